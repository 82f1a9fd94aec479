import { useState } from 'react';

interface StarsProps {
  /** Average shown when the pointer is not over a star. */
  value: number | null;
  /** Omit for a read-only display. */
  onRate?: (score: number) => void;
  disabled?: boolean;
}

/** Five stars; with `onRate`, each is a button that rates 1–5. */
export function Stars({ value, onRate, disabled }: StarsProps) {
  const [hover, setHover] = useState<number | null>(null);
  const shown = hover ?? Math.round(value ?? 0);
  if (!onRate) {
    return (
      <span className="stars" role="img" aria-label={value === null ? 'not rated' : `rated ${value.toFixed(1)} of 5`}>
        {[1, 2, 3, 4, 5].map((n) => (
          <span key={n} className={n <= shown ? 'star on' : 'star'} aria-hidden="true">
            ★
          </span>
        ))}
      </span>
    );
  }
  return (
    <fieldset className="stars interactive" onMouseLeave={() => setHover(null)}>
      <legend className="visually-hidden">Rate this skill</legend>
      {[1, 2, 3, 4, 5].map((n) => (
        <button
          key={n}
          type="button"
          className={n <= shown ? 'star on' : 'star'}
          aria-label={`Rate ${n} of 5`}
          disabled={disabled}
          onMouseEnter={() => setHover(n)}
          onFocus={() => setHover(n)}
          onBlur={() => setHover(null)}
          onClick={() => onRate(n)}
        >
          ★
        </button>
      ))}
    </fieldset>
  );
}
