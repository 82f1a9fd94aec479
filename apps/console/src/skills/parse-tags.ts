/** Tags as typed ("#writing, review notes") as the API takes them: lower case, no `#`, each once. */
export const parseTags = (text: string): string[] =>
  [...new Set(text.split(/[\s,]+/).map((t) => t.replace(/^#/, '').toLowerCase()))].filter(Boolean);
