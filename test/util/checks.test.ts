import { Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { testStack } from './checks';
import { nagFindings } from '../../examples/nag-check';

describe('the cdk-nag check', () => {
  test('reports an unacknowledged finding', () => {
    const stack = testStack();
    new s3.Bucket(stack, 'Bucket');
    expect(nagFindings(stack)).toEqual(expect.arrayContaining([expect.stringMatching(/^AwsSolutions-S10 at Test\/Bucket\/Resource:/)]));
  });

  test('leaves out an acknowledged finding', () => {
    const stack = testStack();
    const bucket = new s3.Bucket(stack, 'Bucket');
    Validations.of(bucket).acknowledge({ id: 'AwsSolutions-S10', reason: 'test' });
    expect(nagFindings(stack).filter((finding) => finding.startsWith('AwsSolutions-S10'))).toEqual([]);
  });
});
