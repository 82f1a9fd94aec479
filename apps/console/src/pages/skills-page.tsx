import { useEffect, useState } from 'react';
import { api } from '../api/client.ts';
import type { SearchResult, Skill } from '../api/types.ts';
import { ErrorBanner } from '../components/error-banner.tsx';
import { Highlighted } from '../components/highlighted.tsx';
import { PageHeader } from '../components/layout.tsx';
import { Stars } from '../components/stars.tsx';
import { When } from '../components/when.tsx';
import { Link, navigate, useLocation } from '../router.tsx';
import { usePages } from '../use-pages.ts';
import { useResource } from '../use-resource.ts';

/** Skills per page; "Show more" fetches the next page after the last one shown. */
export const listLimit = 50;

const sorts = {
  updated: 'Recently updated',
  created: 'Newest',
  name: 'Name (A–Z)',
  rating: 'Best rated',
} as const;
type Sort = keyof typeof sorts;
const isSort = (value: string): value is Sort => value in sorts;
type SkillPage = { skills: Skill[]; nextCursor: string | null };
/** The catalog: full-text search (GET /search), a tag filter and the list of skills. */
export function SkillsPage() {
  const { search } = useLocation();
  const tag = search.get('tag') ?? '';
  const query = search.get('q') ?? '';
  const sortParam = search.get('sort') ?? '';
  const sort: Sort = isSort(sortParam) ? sortParam : 'updated';
  const [draft, setDraft] = useState(query);
  const [knownTags, setKnownTags] = useState<string[]>([]);

  // Searching waits for a pause in typing; the URL keeps the query and tag, so a reload or a link shows the same list.
  useEffect(() => {
    const timer = setTimeout(() => {
      if (draft.trim() !== query) setParams({ q: draft.trim(), tag, sort });
    }, 250);
    return () => clearTimeout(timer);
  }, [draft, query, tag, sort]);

  const listKey = `list:${tag}:${sort}`;
  const list = useResource(listKey, () => api<SkillPage>('/skills', { query: { tag, sort, limit: listLimit } }));
  const more = usePages(listKey, (cursor) =>
    api<SkillPage>('/skills', { query: { tag, sort, limit: listLimit, cursor } }),
  );
  const skills = list.data && [...list.data.skills, ...more.pages.flatMap((page) => page.skills)];
  // The last page loaded says whether there is more: its null is the end, not a reason to ask the first page.
  const lastPage = more.pages.at(-1) ?? list.data;
  const cursor = lastPage?.nextCursor ?? null;
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
        <select
          className="sort"
          aria-label="Sort skills"
          value={sort}
          disabled={Boolean(query)}
          onChange={(event) => setParams({ q: query, tag, sort: event.target.value as Sort })}
        >
          {Object.entries(sorts).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
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
            onClick={() => setParams({ q: query, tag: '', sort })}
          >
            All
          </button>
          {knownTags.map((t) => (
            <button
              key={t}
              type="button"
              className={t === tag ? 'chip selected' : 'chip'}
              onClick={() => setParams({ q: query, tag: t === tag ? '' : t, sort })}
            >
              #{t}
            </button>
          ))}
        </fieldset>
      )}
      <ErrorBanner error={query ? found.error : list.error} />
      {results ? <SearchResults results={results} /> : <SkillList skills={skills} loading={list.loading} />}
      {!query && skills && (
        <div className="list-footer">
          <span className="muted" data-testid="skills-shown">
            {cursor ? `Showing the first ${skills.length} skills` : `All ${skills.length} skills shown`}
          </span>
          {cursor && (
            <button type="button" onClick={() => void more.load(cursor)} disabled={more.loading}>
              {more.loading ? 'Loading…' : 'Show more'}
            </button>
          )}
        </div>
      )}
      <ErrorBanner error={more.error} />
    </>
  );
}

function setParams(params: { q: string; tag: string; sort: Sort }) {
  // The default order is left out of the URL.
  const search = new URLSearchParams(
    Object.entries(params).filter(([key, value]) => value && !(key === 'sort' && value === 'updated')),
  );
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
