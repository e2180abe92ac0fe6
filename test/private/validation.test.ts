import { App, Lazy, Stack } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import {
  check, compareVersions, fail, isLiteral, isOrAre, MoodleValidationError, strayProps, Validator, versionParts,
} from '../../src/private/validation';
import { normalizeDomain, validateDomainInZone, zoneNameOf } from '../../src/private/zone-names';

const wording = { consequence: 'so nothing works', use: 'ending in' };

function caught(action: () => void): MoodleValidationError {
  try {
    action();
  } catch (error) {
    if (error instanceof MoodleValidationError) return error;
    throw error;
  }
  throw new Error('expected a MoodleValidationError');
}

describe('MoodleValidationError', () => {
  test('one problem: exactly the problem, prefixed with the construct', () => {
    const error = new MoodleValidationError('MoodleX', ['a is 1. Set a to 2.']);
    expect(error.message).toBe('MoodleX: a is 1. Set a to 2.');
    expect(error.name).toBe('ValidationError');
    expect(error.construct).toBe('MoodleX');
    expect(error).toBeInstanceOf(Error);
  });

  test('several problems: one line each, each prefixed', () => {
    expect(new MoodleValidationError('MoodleX', ['a is bad.', 'b is bad.']).message).toBe('MoodleX: a is bad.\nMoodleX: b is bad.');
  });
});

describe('Validator', () => {
  test('reports every failed rule in one error, in order, and none that passed', () => {
    const validator = new Validator('MoodleX');
    expect(validator.check(true, 'first')).toBe(false);
    expect(validator.check(false, 'passes')).toBe(true);
    expect(validator.check(() => true, () => 'second')).toBe(false);
    expect(validator.ok).toBe(false);
    const error = caught(() => validator.throwIfAny());
    expect(error.problems).toEqual(['first', 'second']);
    expect(error.message).toBe('MoodleX: first\nMoodleX: second');
  });

  test('throws nothing without problems, and builds no message of a rule that passed', () => {
    const validator = new Validator('MoodleX');
    const message = jest.fn(() => 'never');
    validator.check(false, message);
    expect(validator.ok).toBe(true);
    expect(() => validator.throwIfAny()).not.toThrow();
    expect(message).not.toHaveBeenCalled();
  });

  test('checkAll checks every rule and says whether all passed', () => {
    const validator = new Validator('MoodleX');
    expect(validator.checkAll([[false, 'a'], [false, 'b']])).toBe(true);
    expect(validator.checkAll([[true, 'c'], [false, 'd'], [true, 'e']])).toBe(false);
    expect(caught(() => validator.throwIfAny()).problems).toEqual(['c', 'e']);
  });

  test('requireLiteral records a problem for a token only', () => {
    const validator = new Validator('MoodleX');
    expect(validator.requireLiteral('plain', 'never')).toBe(true);
    expect(validator.requireLiteral(Lazy.string({ produce: () => 'x' }), 'x must be a literal')).toBe(false);
    expect(() => validator.throwIfAny()).toThrow(/^MoodleX: x must be a literal$/);
  });

  test('rejectStray names the stray props in one problem', () => {
    const validator = new Validator('MoodleX');
    const props = { a: 1, b: undefined, c: false };
    expect(validator.rejectStray(props, ['b'], () => 'never')).toBe(true);
    validator.rejectStray(props, ['a', 'b', 'c'], (stray) => `${stray.join(', ')} ${isOrAre(stray)} set but d is not.`);
    expect(() => validator.throwIfAny()).toThrow(/^MoodleX: a, c are set but d is not\.$/);
  });
});

describe('check and fail', () => {
  test('check throws one error with all failed rules', () => {
    expect(() => check('MoodleX', [[true, 'one'], [false, 'two'], [true, 'three']])).toThrow('MoodleX: one\nMoodleX: three');
    expect(() => check('MoodleX', [[false, 'one']])).not.toThrow();
  });

  test('fail throws at once', () => {
    expect(() => fail('MoodleX', 'stop here.')).toThrow(new MoodleValidationError('MoodleX', ['stop here.']));
  });
});

describe('helpers', () => {
  test('isLiteral is false when any value is a token', () => {
    expect(isLiteral('a', 1, true, undefined)).toBe(true);
    expect(isLiteral('a', Lazy.number({ produce: () => 1 }))).toBe(false);
  });

  test('strayProps lists the names set, in the order given', () => {
    expect(strayProps({ a: 0, b: undefined, c: '' }, ['c', 'b', 'a'])).toEqual(['c', 'a']);
  });

  test('isOrAre', () => {
    expect(isOrAre(['a'])).toBe('is');
    expect(isOrAre(['a', 'b'])).toBe('are');
  });

  test('versions compare part by part, missing parts as 0', () => {
    expect(versionParts('8.4.8')).toEqual([8, 4, 8]);
    expect(versionParts('8.0.mysql_aurora')).toEqual([8, 0]);
    expect(compareVersions([8, 0, 40], [8, 4])).toBeLessThan(0);
    expect(compareVersions([8, 4], [8, 4, 0])).toBe(0);
    expect(compareVersions([3, 10, 4], [3, 8, 0])).toBeGreaterThan(0);
  });
});

describe('zone names', () => {
  const stack = new Stack(new App(), 'Zones');
  const named = route53.HostedZone.fromHostedZoneAttributes(stack, 'Named', { hostedZoneId: 'Z1', zoneName: 'Example.EDU.' });
  const idOnly = route53.HostedZone.fromHostedZoneId(stack, 'IdOnly', 'Z2');

  test('normalizeDomain lowercases and drops the trailing dot, leaving tokens alone', () => {
    expect(normalizeDomain('Moodle.Example.EDU.')).toBe('moodle.example.edu');
    const token = Lazy.string({ produce: () => 'x' });
    expect(normalizeDomain(token)).toBe(token);
  });

  test('zoneNameOf gives the normalized name, or records why a zone imported by ID has none', () => {
    const validator = new Validator('MoodleX');
    expect(zoneNameOf(validator, named, 'records cannot be made')).toBe('example.edu');
    expect(validator.ok).toBe(true);
    expect(zoneNameOf(validator, idOnly, 'records cannot be made')).toBeUndefined();
    expect(() => validator.throwIfAny()).toThrow(
      /^MoodleX: hostedZone has no zone name \(imported with HostedZone.fromHostedZoneId\), so records cannot be made\. Import it with HostedZone.fromHostedZoneAttributes/,
    );
  });

  test('validateDomainInZone accepts the apex and names under it, and words the rest as asked', () => {
    const validator = new Validator('MoodleX');
    expect(validateDomainInZone(validator, 'example.edu', 'example.edu', wording)).toBe(true);
    expect(validateDomainInZone(validator, 'moodle.example.edu', 'example.edu', wording)).toBe(true);
    expect(validateDomainInZone(validator, Lazy.string({ produce: () => 'x' }), 'example.edu', wording)).toBe(true);
    expect(validateDomainInZone(validator, 'moodleexample.edu', 'example.edu', wording)).toBe(false);
    expect(() => validator.throwIfAny()).toThrow(
      "MoodleX: domainName 'moodleexample.edu' does not belong to hostedZone 'example.edu', so nothing works. Use a domainName ending in '.example.edu', or pass the hosted zone of 'moodleexample.edu'.",
    );
  });
});
