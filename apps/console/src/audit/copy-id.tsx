import { useState } from 'react';

/** An id in full, selectable, with a button that copies it. */
export function CopyId({ label, value }: { label: string; value: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      // No clipboard (an insecure origin): the id stays selectable.
    }
  };
  return (
    <div className="copy-id">
      <span className="muted">{label}</span> <code>{value}</code>{' '}
      <button type="button" className="link-button" onClick={() => void copy()} aria-label={`Copy ${label}`}>
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}
