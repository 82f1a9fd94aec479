import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** Envelope recipients, lower-cased. */
  to: string[];
  from: string;
  subject: string;
  text: string;
}

/**
 * A real SMTP server on a free port of 127.0.0.1 that keeps what it
 * receives: the test server sends its mail here through nodemailer, and
 * tests read the links out of it as a person would.
 */
export class MailInbox {
  readonly received: ReceivedMail[] = [];
  readonly #server: SMTPServer;
  readonly #waiters = new Set<() => void>();
  #port = 0;

  private constructor() {
    this.#server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, session, callback) => {
        simpleParser(stream)
          .then((parsed) => {
            this.received.push({
              to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
              from: typeof session.envelope.mailFrom === 'object' ? session.envelope.mailFrom.address : '',
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
            });
            for (const wake of this.#waiters) wake();
            callback();
          })
          .catch((error: Error) => callback(error));
      },
    });
  }

  static async start(): Promise<MailInbox> {
    const inbox = new MailInbox();
    await new Promise<void>((resolve) => inbox.#server.listen(0, '127.0.0.1', resolve));
    inbox.#port = (inbox.#server.server.address() as AddressInfo).port;
    return inbox;
  }

  /** The connection URL for nodemailer (plain SMTP, no TLS offered). */
  get url(): string {
    return `smtp://127.0.0.1:${this.#port}`;
  }

  /** Everything received for `to`, oldest first. */
  mailTo(to: string): ReceivedMail[] {
    return this.received.filter((m) => m.to.includes(to.toLowerCase()));
  }

  /** Waits for the `count`-th mail to `to` whose subject matches (the first by default). */
  async waitFor(to: string, subject: RegExp = /./, count = 1, timeoutMs = 5_000): Promise<ReceivedMail> {
    const find = () => this.mailTo(to).filter((m) => subject.test(m.subject))[count - 1];
    const deadline = Date.now() + timeoutMs;
    for (let found = find(); ; found = find()) {
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no mail ${count} to ${to} matching ${subject} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.#waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.#waiters.add(wake);
      });
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

/** The link to console page `page` (e.g. '/verify-email') in a mail, or an error saying what the mail held. */
export function linkIn(mail: ReceivedMail, page: string): URL {
  const match = mail.text.match(new RegExp(`https?://\\S+/console${page}\\?token=[A-Za-z0-9_%-]+`));
  if (!match) throw new Error(`no ${page} link in "${mail.subject}":\n${mail.text}`);
  return new URL(match[0]);
}

/** The token of the link to `page` in a mail. */
export const tokenIn = (mail: ReceivedMail, page: string): string => linkIn(mail, page).searchParams.get('token') ?? '';
