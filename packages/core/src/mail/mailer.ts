/** One plain-text message. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/** A way for mail to leave the server: SMTP, or the outbox when none is configured. */
export interface Mailer {
  /** Resolves once the message is handed over (accepted by the SMTP server, or written); rejects otherwise. */
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}

/** What the mail code logs through (the server's pino logger fits). */
export interface MailLog {
  info(details: object, message: string): void;
  error(details: object, message: string): void;
}
