import nodemailer from 'nodemailer';
import type { Mailer } from './mailer.ts';

/**
 * Sends through the SMTP server `url` names (nodemailer's connection URL:
 * `smtp://user:pass@host:587`, `smtps://host:465`; STARTTLS is used when the
 * server offers it).
 */
export function smtpMailer(url: string, from: string): Mailer {
  const transport = nodemailer.createTransport(url);
  return {
    send: async (message) => {
      await transport.sendMail({ from, ...message });
    },
    close: async () => transport.close(),
  };
}
