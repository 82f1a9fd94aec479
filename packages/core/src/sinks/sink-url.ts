import ipaddr from 'ipaddr.js';
import { AppError } from '../errors/app-error.ts';

const maxUrlLength = 2048;

/**
 * A webhook URL as a tenant may set it: http or https, no credentials in it
 * (they would sit unencrypted in the sink's row and its change record), and,
 * unless the operator allows private networks, no address literal outside
 * public unicast (loopback, private, link-local such as the cloud metadata
 * address 169.254.169.254, reserved). A name is checked again at every
 * connection against what it resolves to then (see postWebhook), so this
 * early refusal is for a clear 400, not the guard itself.
 */
export function checkSinkUrl(url: string, allowPrivateNetwork: boolean): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AppError('VALIDATION_FAILED', 'The sink URL is not a URL.', { details: { reason: 'invalid_url' } });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new AppError('VALIDATION_FAILED', 'A webhook URL starts with https:// or http://.', {
      details: { reason: 'invalid_url' },
    });
  }
  if (url.length > maxUrlLength) {
    throw new AppError('VALIDATION_FAILED', `A webhook URL is at most ${maxUrlLength} characters.`, {
      details: { reason: 'invalid_url' },
    });
  }
  if (parsed.username || parsed.password) {
    throw new AppError('VALIDATION_FAILED', 'Put no credentials in the URL: receivers check the webhook signature.', {
      details: { reason: 'credentials_in_url' },
    });
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivateNetwork && (isNonPublicAddress(host) || host === 'localhost' || host.endsWith('.localhost'))) {
    throw new AppError('VALIDATION_FAILED', 'Webhooks may not go to loopback, private or reserved addresses.', {
      details: { reason: 'private_address' },
    });
  }
  return parsed.toString();
}

function isNonPublicAddress(host: string): boolean {
  if (!ipaddr.isValid(host)) return false;
  const address = ipaddr.process(host);
  return address.range() !== 'unicast';
}
