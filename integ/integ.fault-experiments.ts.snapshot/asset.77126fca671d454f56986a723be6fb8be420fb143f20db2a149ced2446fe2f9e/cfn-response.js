'use strict';
// Answering CloudFormation from a Lambda-backed custom resource without the Provider framework: the response
// document, its PUT to the pre-signed URL, and an entry point that always answers (so a deployment never hangs)
// and logs only the request type, the logical id and error messages, never the event.
// Plain JavaScript shipped as it is in the npm package: no dependency beyond Node.js.

const https = require('https');

/** The response document CloudFormation expects. */
function responseBody(event, status, result, reason) {
  return JSON.stringify({
    Status: status,
    Reason: reason,
    PhysicalResourceId: (result && result.PhysicalResourceId) || event.PhysicalResourceId || event.LogicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: (result && result.Data) || {},
  });
}

/** Sends the result to CloudFormation's pre-signed S3 URL (what the cfn-response module does). */
function respond(event, status, result, reason) {
  const body = responseBody(event, status, result, reason);
  return new Promise((resolve, reject) => {
    const request = https.request(event.ResponseURL, {
      method: 'PUT',
      headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) },
    }, (response) => {
      response.resume();
      response.on('end', resolve);
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** The Lambda entry point around a handler: answers SUCCESS with its result or FAILED with its error's message. */
function createEntryPoint(name, handle, send) {
  return async function entryPoint(event) {
    console.log(`${name}: ${event.RequestType} ${event.LogicalResourceId}`);
    let result;
    try {
      result = await handle(event);
    } catch (error) {
      const message = (error && error.message) || String(error);
      console.log(`${name}: failed: ${message}`);
      await send(event, 'FAILED', undefined, `${name}: ${message}`);
      return;
    }
    await send(event, 'SUCCESS', result, 'OK');
  };
}

module.exports = { responseBody, respond, createEntryPoint };
