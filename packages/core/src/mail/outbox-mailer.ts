import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Mailer, MailLog } from './mailer.ts';

/** `2025-01-31T09-30-00-123Z-ada@acme.test-1a2b.eml`: sorts by time, says for whom, never collides. */
const fileName = (to: string) =>
  `${new Date().toISOString().replaceAll(/[:.]/g, '-')}-${to.replaceAll(/[^A-Za-z0-9.@+-]/g, '_')}-${randomBytes(2).toString('hex')}.eml`;

/**
 * Where mail goes when no SMTP server is configured: each message is written
 * as an .eml file under `dir` (readable by the server's user only) and logged
 * at info level with its text, links included, so that whoever runs the
 * server can finish a sign-up without a mail server.
 */
export function outboxMailer(dir: string, from: string, log: MailLog): Mailer {
  // nodemailer composes the RFC 5322 message; it is kept, not sent.
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    send: async (message) => {
      const composed = await composer.sendMail({ from, ...message });
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const file = path.join(dir, fileName(message.to));
      await writeFile(file, composed.message as Buffer, { mode: 0o600, flag: 'wx' });
      log.info({ to: message.to, subject: message.subject, file, text: message.text }, 'mail kept in the outbox');
    },
    close: async () => composer.close(),
  };
}
