import { useEffect, useState } from 'react';
import { api } from '../api/client.ts';
import type { SearchResult, Skill } from '../api/types.ts';
import { ErrorBanner } from '../components/error-banner.tsx';
import { Highlighted } from '../components/highlighted.tsx';
import { PageHeader } from '../components/layout.tsx';
import { Stars } from '../components/stars.tsx';
import { When } from '../components/when.tsx';
import { Link, navigate, useLocation } from '../router.tsx';
import { useResource } from '../use-resource.ts';

const listLimit = 100;

/** The catalog: full-text search (GET /search), a tag filter and the list of skills. */
export function SkillsPage() {
  const { search } = useLocation();
  const tag = search.get('tag') ?? '';
  const query = search.get('q') ?? '';
  const [draft, setDraft] = useState(query);
  const [knownTags, setKnownTags] = useState<string[]>([]);

  // Searching waits for a pause in typing; the URL keeps the query and tag, so a reload or a link shows the same list.
  useEffect(() => {
    const timer = setTimeout(() => {
      if (draft.trim() !== query) setParams({ q: draft.trim(), tag });
    }, 250);
    return () => clearTimeout(timer);
  }, [draft, query, tag]);

  const list = useResource(`list:${tag}`, () =>
    api<{ skills: Skill[]; nextCursor: string | null }>('/skills', { query: { tag, limit: listLimit } }),
  );
  const found = useResource(`search:${query}`, () =>
    query ? api<{ results: SearchResult[] }>('/search', { query: { q: query, limit: 50 } }) : Promise.resolve(null),
  );

  useEffect(() => {
    const tags = list.data?.skills.flatMap((skill) => skill.tags) ?? [];
    setKnownTags((previous) => [...new Set([...previous, ...tags])].sort());
  }, [list.data]);

  const results = query ? found.data?.results.filter((r) => !tag || r.tags.includes(tag)) : undefined;
  return (
    <>
      <PageHeader title="Skills">
        <Link to="/new-skill" className="button primary">
          New skill
        </Link>
      </PageHeader>
      <div className="toolbar">
        <input
          type="search"
          className="search"
          placeholder="Search skills…"
          aria-label="Search skills"
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
        />
      </div>
      {knownTags.length > 0 && (
        <fieldset className="tag-filter">
          <legend className="visually-hidden">Filter by tag</legend>
          <button
            type="button"
            className={tag ? 'chip' : 'chip selected'}
            onClick={() => setParams({ q: query, tag: '' })}
          >
            All
          </button>
          {knownTags.map((t) => (
            <button
              key={t}
              type="button"
              className={t === tag ? 'chip selected' : 'chip'}
              onClick={() => setParams({ q: query, tag: t === tag ? '' : t })}
            >
              #{t}
            </button>
          ))}
        </fieldset>
      )}
      <ErrorBanner error={query ? found.error : list.error} />
      {results ? <SearchResults results={results} /> : <SkillList skills={list.data?.skills} loading={list.loading} />}
      {!query && list.data?.nextCursor && (
        <p className="muted">Showing the {listLimit} most recently updated skills.</p>
      )}
    </>
  );
}

function setParams(params: { q: string; tag: string }) {
  const search = new URLSearchParams(Object.entries(params).filter(([, value]) => value));
  const suffix = search.size > 0 ? `?${search}` : '';
  navigate(`/skills${suffix}`, { replace: true });
}

function SkillList({ skills, loading }: { skills: Skill[] | undefined; loading: boolean }) {
  if (!skills) return loading ? <p className="muted">Loading…</p> : null;
  if (skills.length === 0) {
    return (
      <div className="empty">
        <p>No skills here yet.</p>
        <Link to="/new-skill">Write the first one</Link>
      </div>
    );
  }
  return (
    <ul className="cards" aria-label="Skills">
      {skills.map((skill) => (
        <li key={skill.id} className="card">
          <Link to={`/skills/${skill.slug}`} className="card-title">
            {skill.name}
          </Link>
          <p className="card-text">{skill.description || <span className="muted">No description</span>}</p>
          <div className="card-meta">
            <Stars value={skill.rating.average} />
            <span className="muted">({skill.rating.count})</span>
            <span className="muted">v{skill.latestVersion}</span>
            <span className="muted">
              updated <When at={skill.updatedAt} />
            </span>
          </div>
          <Tags tags={skill.tags} />
        </li>
      ))}
    </ul>
  );
}

function SearchResults({ results }: { results: SearchResult[] }) {
  if (results.length === 0) return <p className="muted">No skills match.</p>;
  return (
    <ul className="cards" aria-label="Search results">
      {results.map((result) => (
        <li key={result.id} className="card">
          <Link to={`/skills/${result.slug}`} className="card-title">
            {result.name}
          </Link>
          <p className="card-text">
            <Highlighted text={result.headline} />
          </p>
          <Tags tags={result.tags} />
        </li>
      ))}
    </ul>
  );
}

export function Tags({ tags }: { tags: string[] }) {
  if (tags.length === 0) return null;
  return (
    <div className="tags">
      {tags.map((t) => (
        <span key={t} className="tag">
          #{t}
        </span>
      ))}
    </div>
  );
}
