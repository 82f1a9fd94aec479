import { ApiError } from '../api/client.ts';

/** The API's own message, with the request id to quote when reporting it. */
export function ErrorBanner({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null;
  const message = error instanceof Error ? error.message : String(error);
  const requestId = error instanceof ApiError ? error.requestId : null;
  return (
    <div className="error" role="alert">
      <span>{message}</span>
      {requestId && <span className="request-id">request {requestId}</span>}
    </div>
  );
}
