// The SMTP transport against a real SMTP server on loopback: plain, STARTTLS with credentials,
// and the failures the worker must tell apart (temporary 4xx and an unreachable server against
// a permanent 5xx).
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { classifySendError, MailTransport } from '../../src/mail/transport.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';

const mail = { from: 'calendula@example.org', to: 'someone@example.net', subject: 'Hello', text: 'Hi there' };

/** A loopback port nobody listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('MailTransport', () => {
  const open: { close(): unknown }[] = [];
  afterEach(async () => {
    for (const o of open.splice(0).reverse()) await o.close();
  });
  const smtp = async (opts?: Parameters<typeof startSmtp>[0]): Promise<TestSmtp> => {
    const s = await startSmtp(opts);
    open.push(s);
    return s;
  };
  const transport = (url: string, timeoutSeconds = 5): MailTransport => {
    const t = new MailTransport({ smtpUrl: url, timeoutSeconds });
    open.push(t);
    return t;
  };

  it('delivers a message to the server SMTP_URL names', async () => {
    const s = await smtp();
    const r = await transport(s.url).send(mail);
    expect(r.ok).toBe(true);
    expect(s.received).toHaveLength(1);
    expect(s.received[0]!.to).toEqual(['someone@example.net']);
    expect(s.received[0]!.from).toBe('calendula@example.org');
    expect(s.received[0]!.parsed.subject).toBe('Hello');
    expect(s.received[0]!.secure).toBe(false);
  });

  it('upgrades with STARTTLS when the server offers it and logs in with the URL credentials (percent-encoded password)', async () => {
    const s = await smtp({ starttls: true, auth: { user: 'mailer', pass: 'p@ss:w/rd' } });
    const url = `smtp://mailer:${encodeURIComponent('p@ss:w/rd')}@127.0.0.1:${s.port}?tls.rejectUnauthorized=false`;
    const r = await transport(url).send(mail);
    expect(r).toMatchObject({ ok: true });
    expect(s.received[0]!.secure).toBe(true);
    expect(s.received[0]!.user).toBe('mailer');
  });

  it('wrong credentials: a temporary failure (the operator fixes SMTP_URL, the mail waits)', async () => {
    const s = await smtp({ starttls: true, auth: { user: 'mailer', pass: 'right' } });
    const r = await transport(`smtp://mailer:wrong@127.0.0.1:${s.port}?tls.rejectUnauthorized=false`).send(mail);
    expect(r).toMatchObject({ ok: false, temporary: true });
    expect(s.received).toHaveLength(0);
  });

  it('a 451 reply is temporary, a 550 reply permanent; the reason is kept on one line', async () => {
    const s = await smtp();
    const t = transport(s.url);
    s.refuse(451, 'Try again later\r\nInjected: yes');
    const first = await t.send(mail);
    expect(first).toMatchObject({ ok: false, temporary: true });
    if (!first.ok) {
      expect(first.error).toContain('451');
      expect(first.error).not.toMatch(/[\r\n]/);
    }
    s.refuse(550, 'No such user here');
    const second = await t.send(mail);
    expect(second).toMatchObject({ ok: false, temporary: false });
    if (!second.ok) expect(second.error).toContain('550');
    expect(await t.send(mail)).toMatchObject({ ok: true });
    expect(s.received).toHaveLength(1);
  });

  it('a server that is not there is a temporary failure', async () => {
    const r = await transport(`smtp://127.0.0.1:${await closedPort()}`, 2).send(mail);
    expect(r).toMatchObject({ ok: false, temporary: true });
  });

  it('classifies errors by reply code first, then by nodemailer code', () => {
    expect(classifySendError({ code: 'EENVELOPE', responseCode: 550, message: 'Recipient refused' }).temporary).toBe(false);
    expect(classifySendError({ code: 'EENVELOPE', responseCode: 452, message: 'Too many recipients' }).temporary).toBe(true);
    expect(classifySendError({ code: 'EMESSAGE', responseCode: 554, message: 'Rejected' }).temporary).toBe(false);
    expect(classifySendError({ code: 'ETIMEDOUT', message: 'Greeting never received' }).temporary).toBe(true);
    expect(classifySendError({ code: 'EAUTH', responseCode: 535, message: 'Invalid login' }).temporary).toBe(true);
    expect(classifySendError(new Error('something odd')).temporary).toBe(true);
  });
});
