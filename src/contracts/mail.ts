import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';

/**
 * What Moodle needs to send mail through an SMTP server.
 */
export interface IMoodleMail {
  /** SMTP server host name, without scheme or port. */
  readonly smtpHost: string;
  /** SMTP server port (STARTTLS). */
  readonly smtpPort: number;
  /** Secret holding the SMTP credentials as JSON: `{"username": "…", "password": "…"}`. */
  readonly smtpSecret: secretsmanager.ISecret;
  /** The address Moodle sends from (`$CFG->noreplyaddress`). */
  readonly noReplyAddress: string;
}
