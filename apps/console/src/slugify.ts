/** What the API accepts as a slug (lower-case letters, digits, single hyphens), made from a name. */
export const slugify = (text: string, maxLength: number) =>
  text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, maxLength)
    .replace(/-+$/, '');
