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

/** The deployment sink as `skillhub sink deployment show` prints it. */
export interface DeploymentSinkState {
  url: string;
  format: string;
  fromLeaf: number;
  pausedAt: Date | null;
  pausedReason: string | null;
  chains: Array<{ chain: string; deliveredThrough: number; failures: number }>;
}
