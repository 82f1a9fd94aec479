import { useState } from 'react';

type Fields = Record<string, string>;

/** Props that bind an input, select or textarea to one field. */
export interface FieldProps {
  name: string;
  value: string;
  onChange(event: { target: { value: string } }): void;
}

/** A field whose value follows another (a slug from a name) until it is edited by hand. */
export interface FollowRule<T extends Fields> {
  from: keyof T & string;
  to: keyof T & string;
  derive(value: string): string;
}

/** The state of a form of text fields, and the props that bind each input to it. */
export function useForm<T extends Fields>(
  initial: T,
  follow?: FollowRule<T>,
): { form: T; field(name: keyof T & string): FieldProps; update(patch: Partial<T>): void } {
  const [form, setForm] = useState(initial);
  const [edited, setEdited] = useState(false);
  const field = (name: keyof T & string): FieldProps => ({
    name,
    value: form[name] ?? '',
    onChange: (event) => {
      const value = event.target.value;
      if (name === follow?.to) setEdited(true);
      const derived = follow && name === follow.from && !edited ? { [follow.to]: follow.derive(value) } : {};
      setForm((previous) => ({ ...previous, [name]: value, ...derived }));
    },
  });
  const update = (patch: Partial<T>) => setForm((previous) => ({ ...previous, ...patch }));
  return { form, field, update };
}
