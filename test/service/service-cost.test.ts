import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { tiers } from './doubles';
import { serviceTierCostLines, splitByStrategy } from '../../scripts/cost/service-cost-lines';
import { totalMonthlyUsd } from '../../scripts/cost/template-cost';
import { MoodleService, MoodleServiceProps } from '../../src/service';
import { testStack } from '../util/checks';

function costOf(props: Partial<MoodleServiceProps>) {
  const stack = testStack('us-east-1');
  new MoodleService(stack, 'Service', { ...tiers(stack).props, ...props });
  return serviceTierCostLines(Template.fromStack(stack).toJSON());
}

test('ARM64 default: one on-demand and one Spot web task, one on-demand cron task', () => {
  const lines = costOf({});
  expect(lines.map((line) => [line.item, line.count])).toEqual([
    ['Fargate web task, on-demand (1 vCPU / 2 GB, ARM64)', 1],
    ['Fargate web task, Spot at a typical 70 % off (1 vCPU / 2 GB, ARM64)', 1],
    ['Fargate cron task, on-demand (0.5 vCPU / 1 GB, ARM64)', 1],
  ]);
  expect(totalMonthlyUsd(lines)).toBeCloseTo(51.90, 2);
});

test('X86_64 costs a quarter more for the same tasks', () => {
  const lines = costOf({ cpuArchitecture: ecs.CpuArchitecture.X86_64 });
  expect(lines.map((line) => line.count)).toEqual([1, 1, 1]);
  expect(totalMonthlyUsd(lines)).toBeCloseTo(64.87, 2);
});

test('tasks are placed base first, then by weight', () => {
  const strategy = [{ CapacityProvider: 'FARGATE', Base: 2, Weight: 1 }, { CapacityProvider: 'FARGATE_SPOT', Weight: 3 }];
  expect(splitByStrategy(6, strategy)).toEqual({ onDemand: 3, spot: 3 });
  expect(splitByStrategy(1, strategy)).toEqual({ onDemand: 1, spot: 0 });
});
