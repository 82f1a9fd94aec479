import { useState } from 'react';
import { api } from '../api/client.ts';
import type { Skill, SkillVersion, UsageStats } from '../api/types.ts';
import { ErrorBanner } from '../components/error-banner.tsx';
import { PageHeader } from '../components/layout.tsx';
import { Stars } from '../components/stars.tsx';
import { When } from '../components/when.tsx';
import { formatDateTime } from '../format.ts';
import { Link } from '../router.tsx';
import { useMe } from '../session.tsx';
import { canChangeSkill } from '../skills/can-change-skill.ts';
import { SkillDangerZone } from '../skills/skill-danger-zone.tsx';
import { useAction } from '../use-action.ts';
import { useResource } from '../use-resource.ts';
import { Tags } from './skills-page.tsx';

interface Rated {
  score: number;
  rating: Skill['rating'];
}

/** One skill: its content (any version), versions, rating and use over the last 30 days. */
export function SkillDetailPage({ skillRef }: { skillRef: string }) {
  const me = useMe();
  const path = `/skills/${encodeURIComponent(skillRef)}`;
  const skill = useResource(`skill:${skillRef}`, () => api<Skill>(path));
  const versions = useResource(`versions:${skillRef}`, () => api<{ versions: SkillVersion[] }>(`${path}/versions`));
  const usage = useResource(`usage:${skillRef}`, () => api<UsageStats>(`${path}/usage`));
  const [shownVersion, setShownVersion] = useState<{ version: number; content: string } | null>(null);
  const [rated, setRated] = useState<Rated | null>(null);
  const { busy, error, run: act } = useAction();
  const [copied, setCopied] = useState(false);
  const rate = (score: number) =>
    act(async () => setRated(await api<Rated>(`${path}/rating`, { method: 'PUT', body: { score } })));
  const showVersion = (version: number) =>
    act(async () => {
      const latest = skill.data?.latestVersion;
      if (version === latest) return setShownVersion(null);
      setShownVersion(await api<{ version: number; content: string }>(`${path}/versions/${version}`));
    });
  const copy = (content: string) =>
    act(async () => {
      await navigator.clipboard?.writeText(content).catch(() => undefined);
      await api(`${path}/usage`, { method: 'POST', body: { source: 'console' } });
      setCopied(true);
      usage.reload();
    });

  if (!skill.data) {
    return (
      <>
        <PageHeader title="Skill" />
        <ErrorBanner error={skill.error} />
        {skill.loading && <p className="muted">Loading…</p>}
      </>
    );
  }
  const current = skill.data;
  const rating = rated?.rating ?? current.rating;
  const content = shownVersion?.content ?? current.content ?? '';
  return (
    <>
      <p className="breadcrumb">
        <Link to="/skills">Skills</Link> / {current.slug}
      </p>
      <PageHeader title={current.name}>
        {canChangeSkill(me, current) && (
          <Link to={`/skills/${current.slug}/edit`} className="button">
            Edit
          </Link>
        )}
        <Link to={`/skills/${current.slug}/history`} className="button">
          History
        </Link>
        <button type="button" onClick={() => void copy(content)} disabled={busy || !content}>
          {copied ? 'Copied · use recorded' : 'Copy & record use'}
        </button>
      </PageHeader>
      {current.description && <p className="lead">{current.description}</p>}
      <Tags tags={current.tags} />
      <ErrorBanner error={error} />
      <div className="detail-grid">
        <section className="panel">
          <h2>
            Content <span className="muted">v{shownVersion?.version ?? current.latestVersion}</span>
          </h2>
          {content ? <pre className="content">{content}</pre> : <p className="muted">This skill has no content yet.</p>}
        </section>
        <aside className="side">
          <section className="panel">
            <h2>Rating</h2>
            <div className="rating">
              <Stars value={rating.average} onRate={(score) => void rate(score)} disabled={busy} />
              <span className="muted" data-testid="rating-summary">
                {rating.average === null ? 'No ratings yet' : `${rating.average.toFixed(1)} from ${rating.count}`}
              </span>
            </div>
            {rated && <p className="muted">You rated it {rated.score} of 5.</p>}
          </section>
          <section className="panel">
            <h2>Usage</h2>
            <p className="big-number" data-testid="usage-total">
              {usage.data?.total ?? '–'}
            </p>
            <p className="muted">uses in the last 30 days</p>
            <ErrorBanner error={usage.error} />
          </section>
          <section className="panel">
            <h2>Versions</h2>
            <ErrorBanner error={versions.error} />
            <ol className="versions">
              {versions.data?.versions.map((v) => (
                <li key={v.id}>
                  <button type="button" className="link-button" onClick={() => void showVersion(v.version)}>
                    v{v.version}
                  </button>{' '}
                  <span className="muted">
                    <When at={v.createdAt} />
                  </span>
                  {v.changelog && <div className="changelog">{v.changelog}</div>}
                </li>
              ))}
            </ol>
          </section>
          <section className="panel small muted">
            <div>Visibility: {current.visibility}</div>
            <div>Created {formatDateTime(current.createdAt)}</div>
            <div>Updated {formatDateTime(current.updatedAt)}</div>
          </section>
          <SkillDangerZone skill={current} />
        </aside>
      </div>
    </>
  );
}
