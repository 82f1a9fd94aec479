import { useState } from 'react';
import { api } from '../api/client.ts';
import type { Skill, SkillVersion } from '../api/types.ts';
import { ErrorBanner } from '../components/error-banner.tsx';
import { PageHeader } from '../components/layout.tsx';
import { When } from '../components/when.tsx';
import { Link } from '../router.tsx';
import { VersionDiff } from '../skills/version-diff.tsx';
import { useResource } from '../use-resource.ts';

type VersionWithContent = SkillVersion & { content: string };

/** Every version of a skill with its changelog, and the line diff between any two of them. */
export function SkillHistoryPage({ skillRef }: { skillRef: string }) {
  const path = `/skills/${encodeURIComponent(skillRef)}`;
  const skill = useResource(`skill:${skillRef}`, () => api<Skill>(path));
  const versions = useResource(`versions:${skillRef}`, () => api<{ versions: SkillVersion[] }>(`${path}/versions`));
  const latest = skill.data?.latestVersion ?? 0;
  const [picked, setPicked] = useState<{ from: number; to: number } | null>(null);
  const from = picked?.from ?? Math.max(1, latest - 1);
  const to = picked?.to ?? latest;
  const load = (version: number) =>
    version > 0 ? api<VersionWithContent>(`${path}/versions/${version}`) : Promise.resolve(null);
  const contents = useResource(`diff:${skillRef}:${from}:${to}`, async () => {
    const [before, after] = await Promise.all([load(from), load(to)]);
    return { before: before?.content ?? '', after: after?.content ?? '' };
  });
  const numbers = versions.data?.versions.map((v) => v.version) ?? [];
  const title = skill.data ? `History of ${skill.data.name}` : 'History';

  return (
    <>
      <p className="breadcrumb">
        <Link to="/skills">Skills</Link> / <Link to={`/skills/${skillRef}`}>{skill.data?.slug ?? skillRef}</Link> /
        history
      </p>
      <PageHeader title={title} />
      <ErrorBanner error={skill.error ?? versions.error ?? contents.error} />
      {numbers.length > 0 && (
        <section className="panel">
          <h2>Compare versions</h2>
          <div className="version-pickers">
            <label>
              From
              <select value={from} onChange={(event) => setPicked({ from: Number(event.target.value), to })}>
                {numbers.map((n) => (
                  <option key={n} value={n}>
                    v{n}
                  </option>
                ))}
              </select>
            </label>
            <label>
              To
              <select value={to} onChange={(event) => setPicked({ from, to: Number(event.target.value) })}>
                {numbers.map((n) => (
                  <option key={n} value={n}>
                    v{n}
                  </option>
                ))}
              </select>
            </label>
          </div>
          {contents.data && (
            <VersionDiff before={contents.data.before} after={contents.data.after} label={`v${from} → v${to}`} />
          )}
        </section>
      )}
      <section className="panel">
        <h2>Versions</h2>
        <ol className="versions" reversed>
          {versions.data?.versions.map((v) => (
            <li key={v.id}>
              <strong>v{v.version}</strong>{' '}
              <span className="muted">
                <When at={v.createdAt} />
              </span>
              {v.changelog ? (
                <div className="changelog">{v.changelog}</div>
              ) : (
                <div className="muted small">No changelog</div>
              )}
            </li>
          ))}
        </ol>
      </section>
    </>
  );
}
