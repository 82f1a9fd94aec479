import type { FormEvent } from 'react';
import { api } from '../api/client.ts';
import { type Skill, visibilities } from '../api/types.ts';
import { ErrorBanner } from '../components/error-banner.tsx';
import { FieldError } from '../components/field-error.tsx';
import { PageHeader } from '../components/layout.tsx';
import { navigate } from '../router.tsx';
import { parseTags } from '../skills/parse-tags.ts';
import { slugify } from '../slugify.ts';
import { useAction } from '../use-action.ts';
import { useForm } from '../use-form.ts';

/** Writes a new skill; its content becomes version 1. */
export function NewSkillPage() {
  const { form, field } = useForm(
    { name: '', slug: '', description: '', tags: '', visibility: '', content: '', changelog: '' },
    { from: 'name', to: 'slug', derive: (name) => slugify(name, 100) },
  );
  const { busy, error, run } = useAction();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const skill = await api<Skill>('/skills', {
        method: 'POST',
        body: {
          name: form.name,
          slug: form.slug,
          description: form.description,
          tags: parseTags(form.tags),
          // Left out, the workspace's default visibility applies.
          ...(form.visibility && { visibility: form.visibility }),
          ...(form.content && { content: form.content }),
          ...(form.changelog && { changelog: form.changelog }),
        },
      });
      navigate(`/skills/${skill.slug}`);
    });
  };

  return (
    <>
      <PageHeader title="New skill" />
      <form className="stack form-wide" onSubmit={submit}>
        <div className="row">
          <label>
            Name
            <input {...field('name')} required />
            <FieldError error={error} path="name" />
          </label>
          <label>
            Slug
            <input {...field('slug')} required />
            <FieldError error={error} path="slug" />
          </label>
        </div>
        <label>
          Description
          <input {...field('description')} />
          <FieldError error={error} path="description" />
        </label>
        <div className="row">
          <label>
            Tags
            <input {...field('tags')} placeholder="writing, review" />
            <span className="hint">Separated by commas or spaces.</span>
            <FieldError error={error} path="tags" />
          </label>
          <label>
            Visibility
            <select {...field('visibility')}>
              <option value="">workspace default</option>
              {visibilities.map((visibility) => (
                <option key={visibility} value={visibility}>
                  {visibility}
                </option>
              ))}
            </select>
            <FieldError error={error} path="visibility" />
          </label>
        </div>
        <label>
          Content
          <textarea {...field('content')} rows={12} className="mono" />
          <FieldError error={error} path="content" />
        </label>
        <label>
          Changelog
          <input {...field('changelog')} placeholder="First version" />
          <FieldError error={error} path="changelog" />
        </label>
        <ErrorBanner error={error} />
        <div>
          <button type="submit" className="primary" disabled={busy}>
            Create skill
          </button>
        </div>
      </form>
    </>
  );
}
