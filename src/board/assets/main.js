import { createBoard } from './board.js';
import { httpMcp, McpError } from './mcp.js';

/**
 * The board page served by `taskwire serve` / `taskwire board`. With `--auth none` it opens
 * directly; otherwise the server answers 401 and the page asks once for an API key or an OAuth
 * access token, keeps it in this tab's sessionStorage and sends it as a bearer header.
 */
const KEY = 'taskwire.credential';
const $ = (id) => document.getElementById(id);

function showError(error) {
  const box = $('error');
  box.textContent = error instanceof Error ? error.message : String(error);
  box.hidden = false;
  setTimeout(() => {
    box.hidden = true;
  }, 6000);
}

function askForCredential(why) {
  $('login').hidden = false;
  if (why) $('login-why').textContent = why;
  $('login-token').focus();
}

$('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(KEY, $('login-token').value.trim());
  $('login-token').value = '';
  $('login').hidden = true;
  start();
});
$('signout').addEventListener('click', () => {
  sessionStorage.removeItem(KEY);
  location.reload();
});

let stop = null;

async function start() {
  const client = httpMcp({ token: () => sessionStorage.getItem(KEY) });
  const live = $('live');
  const board = createBoard(
    client,
    { board: $('board'), feed: $('feed'), stats: $('stats'), panel: $('panel') },
    {
      onError: (error) => (error instanceof McpError && error.kind === 'auth' ? askForCredential('The credential was refused; enter another.') : showError(error)),
      onLive: (on) => {
        live.textContent = on ? '● live' : '○ reconnecting';
        live.classList.toggle('on', on);
      },
    },
  );
  try {
    stop?.();
    stop = await board.start();
    $('signout').hidden = !sessionStorage.getItem(KEY);
  } catch (error) {
    if (error instanceof McpError && error.kind === 'auth') {
      askForCredential(sessionStorage.getItem(KEY) ? 'The credential was refused; enter another.' : undefined);
      return;
    }
    showError(error);
    return;
  }
  const inputs = { text: $('f-text'), assignee: $('f-assignee'), label: $('f-label') };
  for (const [name, input] of Object.entries(inputs)) input.oninput = () => board.setFilters({ [name]: input.value.trim() });
  $('filters').onsubmit = (event) => event.preventDefault();
}

start();
