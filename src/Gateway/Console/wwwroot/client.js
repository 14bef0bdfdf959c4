// The console's JSON API on the admin port. The token lives in this tab's session storage only
// and is sent as a bearer token; nothing else is kept in the browser.
const tokenKey = 'compliance-gateway-console-token';

export const session = {
  get token() { return sessionStorage.getItem(tokenKey); },
  set(token) { sessionStorage.setItem(tokenKey, token); },
  clear() { sessionStorage.removeItem(tokenKey); },
};

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? `The gateway answered ${status}.`);
    this.status = status;
    this.code = problem?.code ?? `http_${status}`;
    this.problem = problem;
  }
}

async function send(path, { method = 'GET', body } = {}) {
  const headers = { Authorization: `Bearer ${session.token ?? ''}` };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  const response = await fetch(`api/${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
    credentials: 'omit',
  });
  if (response.status === 401) {
    document.dispatchEvent(new CustomEvent('console:unauthorized'));
  }
  return response;
}

export async function api(path, options) {
  const response = await send(path, options);
  const type = response.headers.get('Content-Type') ?? '';
  const data = type.includes('json') ? await response.json() : await response.text();
  if (!response.ok) {
    throw new ApiError(response.status, typeof data === 'object' ? data : null);
  }
  return data;
}

/** Fetches an export with the token and hands it to the browser as a file download. */
export async function download(path, fileName) {
  const response = await send(path);
  if (!response.ok) {
    const type = response.headers.get('Content-Type') ?? '';
    throw new ApiError(response.status, type.includes('json') ? await response.json() : null);
  }
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** Builds an element; text goes in as text, never as HTML. */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (name === 'className') {
      element.className = value;
    } else if (name === 'dataset') {
      Object.assign(element.dataset, value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null && child !== false) {
      element.append(child instanceof Node ? child : String(child));
    }
  }
  return element;
}
