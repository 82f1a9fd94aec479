const isoInstant = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d{1,9})?(Z|[+-](\d\d):(\d\d))$/;

const monthDays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const leap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const daysIn = (year: number, month: number) => (month === 2 && leap(year) ? 29 : (monthDays[month - 1] ?? 0));

/**
 * True when `text` is an ISO 8601 instant with a zone (`Z` or `±hh:mm`)
 * naming a date and time that exist (no 31 February, no hour 24), in the
 * years 1 to 9999 once in UTC: what PostgreSQL's timestamptz takes as is.
 * JavaScript's Date is laxer (it rolls 31 February over into March), and a
 * value PostgreSQL refuses must be refused before it reaches SQL.
 *
 * @example
 * isIsoInstant('2025-01-31T12:00:00Z'); // true
 * isIsoInstant('9999-99-99T99:99:99Z'); // false
 */
export function isIsoInstant(text: string): boolean {
  const parts = isoInstant.exec(text);
  if (!parts) return false;
  const [year, month, day, hour, minute, second] = parts.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [offsetHours, offsetMinutes] = [Number(parts[9] ?? 0), Number(parts[10] ?? 0)];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return false;
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 15 || offsetMinutes > 59) return false;
  const utcYear = new Date(text).getUTCFullYear();
  return utcYear >= 1 && utcYear <= 9999;
}
