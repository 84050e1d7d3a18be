// The `caldav` provider: pushes into any CalDAV calendar collection (Nextcloud, iCloud, Fastmail,
// Radicale, Baïkal, Davis, another Calendula, Google's CalDAV with a bearer token). The URL is the
// collection itself, so no discovery is needed. Loopback and private targets are allowed: only
// admins set synchronizations up.
import { parseXml, type XmlElement } from '../../xml/parse.ts';
import { ParameterError, TargetError, type Configured, type Provider, type SyncTarget, type TargetEntry } from '../../domain/syncProviders.ts';

const DAV = 'DAV:';

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function text(el: XmlElement | undefined): string {
  if (!el) return '';
  return el.text + el.children.map(text).join('');
}

class CalDavTarget implements SyncTarget {
  constructor(
    private readonly collection: URL,
    private readonly authorization: string,
    private readonly timeoutMs: number,
  ) {}

  private async request(method: string, url: string, headers: Record<string, string> = {}, body?: string): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(url, { method, headers: { authorization: this.authorization, ...headers }, body, signal: AbortSignal.timeout(this.timeoutMs), redirect: 'manual' });
    } catch (e) {
      throw new TargetError('unreachable', `${method} ${url}: ${e instanceof Error ? e.message : String(e)}`);
    }
    // Redirects are not followed: credentials must not travel to another URL unasked.
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel();
      const to = res.headers.get('location');
      throw new TargetError('gone', `${method} ${url}: the target redirects${to ? ` to ${to}` : ''}; set provisioning_url to the calendar's own URL`, res.status);
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw new TargetError('auth', `${method} ${url}: the target refused the credentials (${res.status})`, res.status);
    }
    if (res.status === 412) {
      await res.body?.cancel();
      throw new TargetError('precondition', `${method} ${url}: precondition failed`, 412);
    }
    if (res.status >= 500) {
      await res.body?.cancel();
      throw new TargetError('unreachable', `${method} ${url}: the target answered ${res.status}`, res.status);
    }
    return res;
  }

  async put(name: string, ics: string, cond: { ifMatch?: string; ifNoneMatch?: boolean }): Promise<TargetEntry> {
    const href = new URL(encodeURIComponent(name), this.collection).toString();
    const headers: Record<string, string> = { 'content-type': 'text/calendar; charset=utf-8' };
    if (cond.ifMatch) headers['if-match'] = cond.ifMatch.startsWith('"') || cond.ifMatch.startsWith('W/') ? cond.ifMatch : `"${cond.ifMatch}"`;
    if (cond.ifNoneMatch) headers['if-none-match'] = '*';
    const res = await this.request('PUT', href, headers, ics);
    await res.body?.cancel();
    if (res.status === 404 || res.status === 409) throw new TargetError('gone', `PUT ${href}: the target collection is not there (${res.status})`, res.status);
    if (res.status >= 400) throw new TargetError('rejected', `PUT ${href}: the target refused the object (${res.status})`, res.status);
    return { href, etag: res.headers.get('etag') };
  }

  async remove(href: string, etag?: string | null): Promise<void> {
    const res = await this.request('DELETE', href, etag ? { 'if-match': etag } : {});
    await res.body?.cancel();
    if (res.status === 404 || res.status === 410) return;
    if (res.status >= 400) throw new TargetError('rejected', `DELETE ${href}: ${res.status}`, res.status);
  }

  async etagOf(href: string): Promise<string | null> {
    const res = await this.request('HEAD', href);
    await res.body?.cancel();
    if (res.status === 404 || res.status === 410) return null;
    if (res.status >= 400) throw new TargetError('rejected', `HEAD ${href}: ${res.status}`, res.status);
    return res.headers.get('etag');
  }

  private async multistatus(res: Response): Promise<XmlElement[]> {
    const body = await res.text();
    if (res.status !== 207) throw new TargetError('rejected', `the target answered ${res.status} instead of a multistatus`, res.status);
    const root = parseXml(body, { maxBytes: 256 * 1024 * 1024, maxDepth: 64 });
    return root.children.filter((c) => c.name === `{${DAV}}response`);
  }

  async list(): Promise<TargetEntry[]> {
    const res = await this.request(
      'PROPFIND',
      this.collection.toString(),
      { depth: '1', 'content-type': 'application/xml; charset=utf-8' },
      '<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:resourcetype/></d:prop></d:propfind>',
    );
    const out: TargetEntry[] = [];
    for (const r of await this.multistatus(res)) {
      const href = new URL(text(r.children.find((c) => c.name === `{${DAV}}href`)).trim(), this.collection).toString();
      if (href === this.collection.toString()) continue;
      let etag: string | null = null;
      let collection = false;
      for (const ps of r.children.filter((c) => c.name === `{${DAV}}propstat`)) {
        for (const p of ps.children.find((c) => c.name === `{${DAV}}prop`)?.children ?? []) {
          if (p.name === `{${DAV}}getetag`) etag = text(p).trim() || etag;
          if (p.name === `{${DAV}}resourcetype` && p.children.some((c) => c.name === `{${DAV}}collection`)) collection = true;
        }
      }
      if (!collection) out.push({ href, etag });
    }
    return out;
  }

  async fetch(hrefs: string[]): Promise<{ href: string; data: string }[]> {
    const out: { href: string; data: string }[] = [];
    for (let i = 0; i < hrefs.length; i += 50) {
      const batch = hrefs.slice(i, i + 50);
      const body = `<?xml version="1.0" encoding="utf-8"?><c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:calendar-data/></d:prop>${batch
        .map((h) => `<d:href>${xmlEscape(new URL(h).pathname)}</d:href>`)
        .join('')}</c:calendar-multiget>`;
      const res = await this.request('REPORT', this.collection.toString(), { depth: '1', 'content-type': 'application/xml; charset=utf-8' }, body);
      for (const r of await this.multistatus(res)) {
        const href = new URL(text(r.children.find((c) => c.name === `{${DAV}}href`)).trim(), this.collection).toString();
        for (const ps of r.children.filter((c) => c.name === `{${DAV}}propstat`)) {
          const data = ps.children.find((c) => c.name === `{${DAV}}prop`)?.children.find((c) => c.local === 'calendar-data');
          if (data) out.push({ href, data: text(data) });
        }
      }
    }
    return out;
  }
}

export const caldavProvider: Provider = {
  type: 'caldav',
  configure(params: Record<string, string>): Configured {
    const raw = params.provisioning_url?.trim();
    if (!raw) throw new ParameterError('provisioning_url is required (the URL of the target calendar collection)');
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ParameterError('provisioning_url must be an absolute http(s) URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ParameterError('provisioning_url must be an absolute http(s) URL');
    if (url.username || url.password) throw new ParameterError('provisioning_url must not hold credentials: give provisioning_username and provisioning_password');
    url.hash = '';
    if (!url.pathname.endsWith('/')) url.pathname += '/';
    const token = params.provisioning_token;
    const username = params.provisioning_username;
    const password = params.provisioning_password;
    if (token) return { settings: { url: url.toString() }, secrets: { token } };
    if (!username || password === undefined) {
      throw new ParameterError('give provisioning_username and provisioning_password, or provisioning_token');
    }
    return { settings: { url: url.toString(), username }, secrets: { password } };
  },
  open(settings, secrets, opts) {
    const auth = secrets.token
      ? `Bearer ${secrets.token}`
      : `Basic ${Buffer.from(`${settings.username ?? ''}:${secrets.password ?? ''}`).toString('base64')}`;
    return new CalDavTarget(new URL(settings.url as string), auth, opts.timeoutMs);
  },
};
