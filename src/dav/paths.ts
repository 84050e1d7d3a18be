// Paths under /dav: decoded for comparison (so "@" and "%40" are the same), and encoded one
// canonical way in every href we emit.

export interface DavPath {
  /** Decoded segments after the DAV root, e.g. ['calendars', 'alice', 'work', 'e1.ics']. */
  segments: string[];
  /** Whether the request path ended with a slash. */
  trailingSlash: boolean;
}

export class BadPathError extends Error {}

/** Splits and decodes the part of a URL path below the DAV root. */
export function parseDavPath(pathBelowRoot: string): DavPath {
  const raw = pathBelowRoot.split('?')[0] ?? '';
  const trailingSlash = raw.endsWith('/');
  const segments: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '') continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(part);
    } catch {
      throw new BadPathError(`bad percent-encoding in "${part}"`);
    }
    if (decoded === '.' || decoded === '..' || decoded.includes('/') || decoded.includes('\0')) {
      throw new BadPathError(`"${decoded}" cannot be a path segment`);
    }
    segments.push(decoded);
  }
  return { segments, trailingSlash };
}

const UNRESERVED = /^[A-Za-z0-9._~-]*$/;

/** The canonical encoding of one segment (RFC 3986 unreserved characters stay as they are). */
export function encodeSegment(s: string): string {
  // Most names need no encoding; the test is far cheaper than encoding (PROPFIND lists thousands).
  if (UNRESERVED.test(s)) return s;
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** An absolute-path href for segments below the DAV root; collections end with "/". */
export function hrefFor(davRoot: string, segments: string[], collection: boolean): string {
  const path = segments.map(encodeSegment).join('/');
  if (!path) return `${davRoot}/`;
  return `${davRoot}/${path}${collection ? '/' : ''}`;
}

/** Resolves an href from a request body (absolute URL or absolute path) to segments below the DAV root. */
export function segmentsOfHref(href: string, davRoot: string): string[] | null {
  let path = href.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    try {
      path = new URL(path).pathname;
    } catch {
      return null;
    }
  }
  const decodedRoot = davRoot;
  let pathDecodedPrefix: string;
  try {
    pathDecodedPrefix = decodeURIComponent(path);
  } catch {
    return null;
  }
  if (!(pathDecodedPrefix === decodedRoot || pathDecodedPrefix.startsWith(`${decodedRoot}/`))) return null;
  const rest = path.slice(path.indexOf(davRoot) === 0 ? davRoot.length : encodedPrefixLength(path, davRoot));
  try {
    return parseDavPath(rest).segments;
  } catch {
    return null;
  }
}

function encodedPrefixLength(path: string, root: string): number {
  // The root itself may arrive percent-encoded; walk until the decoded prefix equals it.
  for (let i = 1; i <= path.length; i++) {
    try {
      if (decodeURIComponent(path.slice(0, i)) === root) return i;
    } catch {
      // keep walking
    }
  }
  return path.length;
}
