import type { AppConfig } from '../config/app-config.ts';
import type { Mailer, MailLog, MailMessage } from './mailer.ts';
import { outboxMailer } from './outbox-mailer.ts';
import { smtpMailer } from './smtp-mailer.ts';

/**
 * Sends mail in the background, after the transaction that decided to send
 * it has committed: a slow or failing mail server neither delays the answer
 * (whose timing must not depend on which mail went out) nor turns a
 * committed change into an error. A failure is logged; `close` waits for
 * what is still on its way.
 *
 * @example
 * const mail = createMailDispatcher(config, logger);
 * mail.dispatch({ to, subject, text });
 */
export class MailDispatcher {
  readonly #mailer: Mailer;
  readonly #log: MailLog;
  readonly #sending = new Set<Promise<void>>();

  constructor(mailer: Mailer, log: MailLog) {
    this.#mailer = mailer;
    this.#log = log;
  }

  dispatch(message: MailMessage): void {
    const sending: Promise<void> = this.#mailer
      .send(message)
      .catch((err: unknown) => this.#log.error({ err, to: message.to, subject: message.subject }, 'mail not sent'))
      .finally(() => this.#sending.delete(sending));
    this.#sending.add(sending);
  }

  /** Resolves when every message dispatched so far has been handed over or has failed. */
  async settled(): Promise<void> {
    while (this.#sending.size > 0) await Promise.all(this.#sending);
  }

  async close(): Promise<void> {
    await this.settled();
    await this.#mailer.close();
  }
}

/** SMTP when `config.mail.smtpUrl` is set, otherwise the outbox under SKILLHUB_HOME. */
export function createMailDispatcher(config: AppConfig, log: MailLog): MailDispatcher {
  const { smtpUrl, from, outboxDir } = config.mail;
  return new MailDispatcher(smtpUrl ? smtpMailer(smtpUrl, from) : outboxMailer(outboxDir, from, log), log);
}
