'use strict';
// Custom resource handler of MoodleMail (Lambda-backed, no Provider framework): derives the Amazon SES SMTP
// password of an IAM access key and writes {username, password} into the SMTP secret.
//   - The secret access key is read from the access key secret (the template holds only its ARN).
//   - The derived password is written with secretsmanager:PutSecretValue; it never leaves this function
//     otherwise: not in the response to CloudFormation (Data holds only the SMTP secret's ARN), not in logs.
// Plain JavaScript shipped as it is in the npm package: no dependency beyond Node.js and the AWS SDK for
// JavaScript v3 that the Lambda Node.js runtime provides.

const crypto = require('crypto');
const { createEntryPoint, respond } = require('./cfn-response');

/**
 * The SES SMTP password of a secret access key for one Region, as AWS documents it
 * ("Obtaining Amazon SES SMTP credentials by converting existing AWS credentials"):
 * an HMAC-SHA256 chain keyed with 'AWS4' + key over '11111111', the Region, 'ses', 'aws4_request' and
 * 'SendRawEmail'; the version byte 0x04 in front; Base64.
 */
function smtpPassword(secretAccessKey, region) {
  if (typeof secretAccessKey !== 'string' || secretAccessKey === '') {
    throw new Error('smtpPassword: the secret access key is empty');
  }
  if (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw new Error(`smtpPassword: '${region}' is not a Region name`);
  }
  const sign = (key, message) => crypto.createHmac('sha256', key).update(message, 'utf8').digest();
  let signature = sign(Buffer.from('AWS4' + secretAccessKey, 'utf8'), '11111111');
  for (const message of [region, 'ses', 'aws4_request', 'SendRawEmail']) {
    signature = sign(signature, message);
  }
  return Buffer.concat([Buffer.from([0x04]), signature]).toString('base64');
}

/**
 * The custom resource logic, given thin Secrets Manager clients (request -> response promise), so tests can
 * run it without AWS. Returns what CloudFormation gets: PhysicalResourceId and Data.
 */
function createHandler(clients) {
  return async function handle(event) {
    const props = event.ResourceProperties || {};
    if (event.RequestType === 'Delete') {
      // The SMTP secret and the access key are CloudFormation resources of their own; nothing to undo here.
      return { PhysicalResourceId: event.PhysicalResourceId, Data: {} };
    }
    for (const name of ['AccessKeyId', 'AccessKeySecretArn', 'SmtpSecretArn', 'Region']) {
      if (!props[name]) throw new Error(`MoodleMail SMTP password: property ${name} is missing`);
    }
    const source = await clients.getSecretValue({ SecretId: props.AccessKeySecretArn });
    const password = smtpPassword(source.SecretString, props.Region);
    await clients.putSecretValue({
      SecretId: props.SmtpSecretArn,
      SecretString: JSON.stringify({ username: props.AccessKeyId, password }),
    });
    // A new access key (a new id) is a new physical resource; the secret keeps its ARN.
    return {
      PhysicalResourceId: `${props.SmtpSecretArn}/${props.AccessKeyId}`,
      Data: { SmtpSecretArn: props.SmtpSecretArn },
    };
  };
}

let entryPoint;
/** The Lambda handler. */
async function handler(event) {
  if (!entryPoint) {
    // Loaded lazily: the SDK is in the Lambda runtime, not in this package's dependencies.
    const sm = require('@aws-sdk/client-secrets-manager');
    const client = new sm.SecretsManagerClient({});
    entryPoint = createEntryPoint('MoodleMail SMTP password', createHandler({
      getSecretValue: (input) => client.send(new sm.GetSecretValueCommand(input)),
      putSecretValue: (input) => client.send(new sm.PutSecretValueCommand(input)),
    }), respond);
  }
  return entryPoint(event);
}

module.exports = { smtpPassword, createHandler, handler };
