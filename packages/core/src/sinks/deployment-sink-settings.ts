import type { DeploymentSinkSettings } from '@skillhub/db';
import type { SecretKeyRing } from '../crypto/secret-box.ts';
import { AppError } from '../errors/app-error.ts';
import { deploymentSecretOwner } from './deliver-deployment-chain.ts';
import { type SinkFormat, sinkFormats } from './sink-payload.ts';
import { newSigningSecret, sealSigningSecret } from './sink-secret.ts';
import { checkSinkUrl } from './sink-url.ts';
import { parseSyslogTarget } from './syslog-target.ts';

export interface DeploymentSinkInput {
  url: string;
  format: string;
  fromLeaf: number;
}

/**
 * The operator's deployment sink settings, checked: a syslog URL
 * (`syslog://host:port`, `syslog+tls://host:port`) or a webhook URL, which
 * gets a fresh Standard Webhooks signing secret, stored sealed and
 * returned once (`signingSecret`, null for syslog) for the receiver.
 */
export function deploymentSinkSettings(
  ring: SecretKeyRing,
  input: DeploymentSinkInput,
): { settings: DeploymentSinkSettings; signingSecret: string | null } {
  if (!sinkFormats.includes(input.format as SinkFormat)) {
    throw new AppError('VALIDATION_FAILED', `The format is one of ${sinkFormats.join(', ')}.`);
  }
  if (!Number.isSafeInteger(input.fromLeaf) || input.fromLeaf < 0) {
    throw new AppError('VALIDATION_FAILED', 'The first leaf is a whole number, 0 or more.');
  }
  const format = input.format as SinkFormat;
  if (/^syslog(\+tls)?:/i.test(input.url)) {
    if (!parseSyslogTarget(input.url) || input.url.length > 2048) {
      throw new AppError('VALIDATION_FAILED', 'A syslog URL is syslog://host:port or syslog+tls://host:port.');
    }
    return { settings: { url: input.url, format, signingSecret: null, fromLeaf: input.fromLeaf }, signingSecret: null };
  }
  // The operator's own receiver may sit on a private network.
  const url = checkSinkUrl(input.url, true);
  const secret = newSigningSecret();
  return {
    settings: {
      url,
      format,
      signingSecret: sealSigningSecret(ring, deploymentSecretOwner, secret),
      fromLeaf: input.fromLeaf,
    },
    signingSecret: secret,
  };
}
