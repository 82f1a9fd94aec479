import { type ReactNode, useCallback, useEffect, useId, useRef, useState } from 'react';

/** What a confirmation asks: a question for a title, what follows, and the words on the button that does it. */
export interface ConfirmOptions {
  title: string;
  message: ReactNode;
  /** The button that goes ahead ("Delete skill"); "Cancel" is always the other. */
  confirmLabel: string;
}

interface Pending extends ConfirmOptions {
  resolve(confirmed: boolean): void;
}

/**
 * Asks before a destructive action, in a modal `<dialog>` (focus moves into
 * it and stays there, Escape cancels, the rest of the page is inert to
 * assistive technology). `confirm()` resolves with the answer; render
 * `dialog` somewhere in the page.
 *
 * @example
 * const { confirm, dialog } = useConfirm();
 * if (await confirm({ title: 'Delete “Notes”?', message: 'It cannot be undone.', confirmLabel: 'Delete' })) …
 */
export function useConfirm(): { confirm(options: ConfirmOptions): Promise<boolean>; dialog: ReactNode } {
  const [pending, setPending] = useState<Pending | null>(null);
  const confirm = useCallback(
    (options: ConfirmOptions) => new Promise<boolean>((resolve) => setPending({ ...options, resolve })),
    [],
  );
  const settle = (confirmed: boolean) => {
    pending?.resolve(confirmed);
    setPending(null);
  };
  return { confirm, dialog: pending ? <ConfirmDialog {...pending} onSettle={settle} /> : null };
}

function ConfirmDialog({ title, message, confirmLabel, onSettle }: ConfirmOptions & { onSettle(ok: boolean): void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const messageId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);
  return (
    <dialog
      ref={ref}
      className="confirm-dialog"
      aria-labelledby={titleId}
      aria-describedby={messageId}
      onCancel={(event) => {
        // Escape: answer "no" here rather than let the browser close a dialog React still renders.
        event.preventDefault();
        onSettle(false);
      }}
    >
      <h2 id={titleId}>{title}</h2>
      <div id={messageId} className="confirm-message">
        {message}
      </div>
      <div className="dialog-actions">
        {/* Cancel takes the focus first: Enter on an unread dialog must not destroy anything. */}
        {/* biome-ignore lint/a11y/noAutofocus: a modal dialog moves focus into itself; this is where it should land */}
        <button type="button" autoFocus onClick={() => onSettle(false)}>
          Cancel
        </button>
        <button type="button" className="danger-action" onClick={() => onSettle(true)}>
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
