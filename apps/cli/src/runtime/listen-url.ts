/**
 * SKILLHUB_LISTEN_URL: a direct connection (the runtime role, not through a
 * pooler) for the credential change announcements, needed when
 * APP_DATABASE_URL goes through PgBouncer in transaction mode, which does
 * not keep a LISTEN. Unset: the announcements come over APP_DATABASE_URL.
 */
export const listenUrlFromEnv = (): string | undefined => process.env.SKILLHUB_LISTEN_URL || undefined;
