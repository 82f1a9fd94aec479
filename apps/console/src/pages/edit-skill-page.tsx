import { type FormEvent, useState } from 'react';
import { api } from '../api/client.ts';
import { type Skill, type SkillVersion, visibilities } from '../api/types.ts';
import { ErrorBanner } from '../components/error-banner.tsx';
import { FieldError } from '../components/field-error.tsx';
import { PageHeader } from '../components/layout.tsx';
import { Link, navigate } from '../router.tsx';
import { useMe } from '../session.tsx';
import { canChangeSkill } from '../skills/can-change-skill.ts';
import { parseTags } from '../skills/parse-tags.ts';
import { useAction } from '../use-action.ts';
import { useForm } from '../use-form.ts';
import { useResource } from '../use-resource.ts';

/** Changes a skill's details (PATCH) and publishes its content as a new version with a changelog. */
export function EditSkillPage({ skillRef }: { skillRef: string }) {
  const me = useMe();
  const path = `/skills/${encodeURIComponent(skillRef)}`;
  const skill = useResource(`skill:${skillRef}`, () => api<Skill>(path));
  if (!skill.data) {
    return (
      <>
        <PageHeader title="Edit skill" />
        <ErrorBanner error={skill.error} />
        {skill.loading && <p className="muted">Loading…</p>}
      </>
    );
  }
  const current = skill.data;
  return (
    <>
      <p className="breadcrumb">
        <Link to="/skills">Skills</Link> / <Link to={`/skills/${current.slug}`}>{current.slug}</Link> / edit
      </p>
      <PageHeader title={`Edit ${current.name}`} />
      {canChangeSkill(me, current) ? (
        <>
          <DetailsForm skill={current} />
          <PublishForm skill={current} />
        </>
      ) : (
        <p className="notice">Only the skill’s author or a workspace admin can change it.</p>
      )}
    </>
  );
}

function DetailsForm({ skill }: { skill: Skill }) {
  const { form, field } = useForm({
    name: skill.name,
    description: skill.description,
    tags: skill.tags.join(', '),
    visibility: skill.visibility as string,
  });
  const { busy, error, run } = useAction();
  const [saved, setSaved] = useState(false);
  const save = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    void run(async () => {
      await api<Skill>(`/skills/${skill.id}`, {
        method: 'PATCH',
        body: {
          name: form.name,
          description: form.description,
          tags: parseTags(form.tags),
          visibility: form.visibility,
        },
      });
      setSaved(true);
    });
  };
  return (
    <form className="panel stack form-wide" onSubmit={save} aria-labelledby="details-heading">
      <h2 id="details-heading">Details</h2>
      <label>
        Name
        <input {...field('name')} required />
        <FieldError error={error} path="name" />
      </label>
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
            {visibilities.map((visibility) => (
              <option key={visibility} value={visibility}>
                {visibility}
              </option>
            ))}
          </select>
          <span className="hint">Private: only its author (and admins); internal: the workspace; public: anyone.</span>
          <FieldError error={error} path="visibility" />
        </label>
      </div>
      <ErrorBanner error={error} />
      {saved && (
        <p className="success" aria-live="polite">
          Details saved.
        </p>
      )}
      <div>
        <button type="submit" className="primary" disabled={busy}>
          Save details
        </button>
      </div>
    </form>
  );
}

function PublishForm({ skill }: { skill: Skill }) {
  const { form, field } = useForm({ content: skill.content ?? '', changelog: '' });
  const { busy, error, run } = useAction();
  const publish = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      await api<SkillVersion>(`/skills/${skill.id}/versions`, {
        method: 'POST',
        body: { content: form.content, changelog: form.changelog },
      });
      navigate(`/skills/${skill.slug}/history`);
    });
  };
  const unchanged = form.content === (skill.content ?? '');
  return (
    <form className="panel stack form-wide" onSubmit={publish} aria-labelledby="publish-heading">
      <h2 id="publish-heading">New version: v{skill.latestVersion + 1}</h2>
      <p className="muted small">
        Versions never change once published: saving content publishes the next one, and the history keeps every earlier
        one.
      </p>
      <label>
        Content
        <textarea {...field('content')} rows={14} className="mono" required />
        <FieldError error={error} path="content" />
      </label>
      <label>
        Changelog
        <input {...field('changelog')} placeholder="What changed, for whoever reads the history" />
        <FieldError error={error} path="changelog" />
      </label>
      <ErrorBanner error={error} />
      <div>
        <button type="submit" className="primary" disabled={busy || unchanged}>
          Publish version
        </button>
        {unchanged && <span className="muted small"> Change the content to publish a new version.</span>}
      </div>
    </form>
  );
}
