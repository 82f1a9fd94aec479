import { userSessions } from '@skillhub/db';

/** What a session shows of itself: never the token hash. */
export const sessionColumns = {
  id: userSessions.id,
  userId: userSessions.userId,
  deviceFingerprint: userSessions.deviceFingerprint,
  userAgent: userSessions.userAgent,
  ipAddress: userSessions.ipAddress,
  lastIp: userSessions.lastIp,
  location: userSessions.location,
  createdAt: userSessions.createdAt,
  lastActivityAt: userSessions.lastActivityAt,
  expiresAt: userSessions.expiresAt,
  terminatedAt: userSessions.terminatedAt,
  terminationReason: userSessions.terminationReason,
};
