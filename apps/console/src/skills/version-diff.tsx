import { diffLines } from 'diff';
import { useMemo } from 'react';

interface DiffLine {
  kind: 'added' | 'removed' | 'same';
  text: string;
}

/** The lines of a line diff, each marked added, removed or the same (what `diff` found, split per line). */
export function diffRows(before: string, after: string): DiffLine[] {
  return diffLines(before, after).flatMap((change) => {
    const kind = change.added ? 'added' : change.removed ? 'removed' : 'same';
    // A change's value ends with its last line's newline; splitting leaves one empty string after it.
    const lines = change.value.split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines.map((text) => ({ kind, text }) as DiffLine);
  });
}

const marks = { added: '+', removed: '−', same: ' ' } as const;
const spoken = { added: 'added', removed: 'removed', same: 'unchanged' } as const;

/**
 * Two versions' content line by line: removed lines red with −, added lines
 * green with +. The mark is also said in words for a screen reader, since
 * colour alone carries nothing to one.
 */
export function VersionDiff({ before, after, label }: { before: string; after: string; label: string }) {
  const rows = useMemo(() => diffRows(before, after), [before, after]);
  const added = rows.filter((row) => row.kind === 'added').length;
  const removed = rows.filter((row) => row.kind === 'removed').length;
  return (
    <figure className="version-diff">
      <figcaption>
        {label}: <span className="diff-added-count">+{added}</span>{' '}
        <span className="diff-removed-count">−{removed}</span> lines
      </figcaption>
      {added + removed === 0 && <p className="muted">The two versions have the same content.</p>}
      <ol className="diff-lines">
        {rows.map((row, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: the rows are recomputed as a whole; their order is their identity
          <li key={i} className={`diff-${row.kind}`}>
            <span className="diff-mark" aria-hidden="true">
              {marks[row.kind]}
            </span>
            <span className="visually-hidden">{spoken[row.kind]}: </span>
            <span className="diff-text">{row.text || ' '}</span>
          </li>
        ))}
      </ol>
    </figure>
  );
}
