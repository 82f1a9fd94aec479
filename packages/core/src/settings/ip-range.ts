import { isIPv4, isIPv6 } from 'node:net';

/**
 * True when `value` is an IPv4 or IPv6 address, optionally with a /prefix,
 * that PostgreSQL's `::cidr` cast accepts: the login throttle casts every
 * listed entry on each sign-in, so an entry the cast rejects (a host bit set
 * past the prefix, as in 10.0.0.1/8; a zone id) would break sign-in for the
 * whole workspace. Stricter than PostgreSQL: abbreviated forms like `10/8`
 * are refused.
 *
 * @example
 * isCidr('10.0.0.0/8') // true
 * isCidr('10.0.0.1/8') // false: bits set right of the mask
 */
export function isCidr(value: string): boolean {
  const [address = '', prefix, ...rest] = value.split('/');
  const bytes = addressBytes(address);
  if (!bytes || rest.length > 0) return false;
  if (prefix === undefined) return true;
  const bits = bytes.length * 8;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > bits) return false;
  for (let bit = Number(prefix); bit < bits; bit++) {
    if (((bytes[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) !== 0) return false;
  }
  return true;
}

/** An address's bytes (4 or 16), or null when it is not one. */
function addressBytes(address: string): number[] | null {
  if (isIPv4(address)) return address.split('.').map(Number);
  if (!isIPv6(address) || address.includes('%')) return null;
  // A dotted IPv4 tail (::ffff:192.0.2.1) stands for the last two groups.
  const tailStart = address.lastIndexOf(':') + 1;
  const dotted = address.slice(tailStart).includes('.') ? address.slice(tailStart).split('.').map(Number) : null;
  const groupsText = dotted ? `${address.slice(0, tailStart)}0:0` : address;
  const [left = '', right] = groupsText.split('::');
  const split = (part: string) => (part === '' ? [] : part.split(':'));
  const groups =
    right === undefined
      ? split(left)
      : [...split(left), ...Array(8 - split(left).length - split(right).length).fill('0'), ...split(right)];
  const bytes = groups.flatMap((group) => {
    const n = Number.parseInt(group, 16);
    return [n >> 8, n & 0xff];
  });
  if (dotted) bytes.splice(12, 4, ...dotted);
  return bytes.length === 16 ? bytes : null;
}
