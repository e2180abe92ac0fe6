import { summarize } from '../scripts/load/jmeter';

const HEADER = 'timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect';
const row = (at: number, ms: number, label: string, thread: string, ok = true, message = '') =>
  `${at},${ms},${label},200,OK,${thread},text,${ok},${message},100,10,1,1,https://moodle.site.test/,${ms},0,0`;

describe('the load benchmark\'s JMeter results summary', () => {
  test('leaves out the warm-up thread group and gives p50, p95 and p99', () => {
    const rows = Array.from({ length: 100 }, (_, i) => row(10_000 + i * 100, i + 1, i % 2 ? 'View course' : 'Login', 'Moodle Test 2-1'));
    const csv = [HEADER, row(1_000, 5_000, 'Login', 'Warm-up site 1-1'), ...rows].join('\n');
    const figures = summarize(csv, { excludeThreadsNamed: 'Warm-up site' });
    expect(figures.total).toEqual({ label: 'TOTAL', requests: 100, errors: 0, medianMs: 51, p95Ms: 96, p99Ms: 100 });
    expect(figures.samplers.map((sampler) => sampler.label)).toEqual(['Login', 'View course']);
    // 100 samples from 10.000 s to 19.900 s + 100 ms.
    expect(figures.throughputPerSecond).toBeCloseTo(100 / 10, 5);
    expect(figures.span).toEqual({ from: 10_000, to: 20_000 });
    expect(summarize(csv).total.requests).toBe(101);
  });

  test('reads a quoted failure message with commas and a line break as one cell', () => {
    const csv = [HEADER, row(1_000, 10, 'Login', 'Moodle Test 1-1', false, '"Test failed: text, expected\n""Logged in"""'), row(2_000, 20, 'Login', 'Moodle Test 1-1')].join('\n');
    expect(summarize(csv).total).toMatchObject({ requests: 2, errors: 1 });
  });

  test('counts a run stopped at its deadline up to when it was stopped', () => {
    const csv = [HEADER, row(1_000, 10, 'Login', 'Moodle Test 1-1'), row(2_000, 10, 'Login', 'Moodle Test 1-1')].join('\n');
    expect(summarize(csv, { endedAt: 11_000 }).throughputPerSecond).toBeCloseTo(0.2, 5);
    expect(summarize('').total.requests).toBe(0);
  });
});
