/** What the operator sets for the deployment sink. */
export interface DeploymentSinkSettings {
  /** `https://…` (Standard Webhooks), `syslog://host:port` or `syslog+tls://host:port`. */
  url: string;
  format: 'ocsf' | 'jsonl';
  /** Sealed by the server, for an https sink; null for syslog. */
  signingSecret: string | null;
  /** The first leaf index delivered in every chain. */
  fromLeaf: number;
}

/** Where the deployment sink sends, as a test message needs it. */
export type DeploymentSinkTarget = Pick<DeploymentSinkSettings, 'url' | 'format' | 'signingSecret'>;

/** One attempt in the deployment sink's history (a test message has no chain and no leaves). */
export interface DeploymentSinkAttemptView {
  attemptedAt: Date;
  /** A tenant id, '' for the system chain, null for a test message. */
  chain: string | null;
  messageId: string;
  firstLeaf: number | null;
  lastLeaf: number | null;
  eventCount: number;
  statusCode: number | null;
  latencyMs: number;
  delivered: boolean;
  error: string | null;
}

/** The deployment sink as `skillhub sink deployment show` prints it. */
export interface DeploymentSinkState {
  url: string;
  format: string;
  fromLeaf: number;
  pausedAt: Date | null;
  pausedReason: string | null;
  chains: Array<{
    chain: string;
    deliveredThrough: number;
    /** The chain's last sealed leaf index (-1: nothing sealed). */
    sealedThrough: number;
    failures: number;
    /** When the oldest sealed event not yet delivered was sealed; null when caught up. */
    oldestUndeliveredSealedAt: Date | null;
    lastDeliveredAt: Date | null;
  }>;
  /** The latest attempts, newest first. */
  attempts: DeploymentSinkAttemptView[];
}
