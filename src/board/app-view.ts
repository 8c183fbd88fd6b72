import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { assetsDir } from './static.js';

/**
 * The MCP App view of the board (SEP-1865 `io.modelcontextprotocol/ui`): one self-contained HTML
 * document, since a host renders it in a sandboxed iframe without an origin to fetch files from.
 * It inlines the board's style sheet and modules (the same code as the web board) and the
 * official `@modelcontextprotocol/ext-apps` `App` (its browser bundle `app-with-deps`). Built once
 * per process.
 */
export const BOARD_APP_URI = 'ui://taskwire/board';
/** `RESOURCE_MIME_TYPE` of ext-apps. */
export const MCP_APP_MIME = 'text/html;profile=mcp-app';

let built: string | undefined;

export function boardAppHtml(): string {
  built ??= build();
  return built;
}

function build(): string {
  const dir = assetsDir();
  const read = (name: string) => readFileSync(`${dir}${name}`, 'utf8');
  const bundle = readFileSync(createRequire(import.meta.url).resolve('@modelcontextprotocol/ext-apps/app-with-deps'), 'utf8');
  const script = [
    `const ExtApps = (() => {\n${asFunctionBody(bundle)}\n})();`,
    `const { createBoard } = (() => {\n${withoutModuleSyntax(read('dom.js'))}\n${withoutModuleSyntax(read('board.js'))}\nreturn { createBoard };\n})();`,
    `const { App } = ExtApps;\n${withoutModuleSyntax(read('tool-result.js'))}\n${withoutModuleSyntax(read('app-main.js'))}`,
  ].join('\n');
  // `</script` cannot appear inside an inline script; `<\/script` means the same in JavaScript.
  const inline = script.replaceAll('</script', '<\\/script');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Taskwire board</title>
<style>${read('board.css')}
.board { grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); }
.activity { display: none; }
</style>
</head>
<body class="in-app">
<header class="top"><h1>Taskwire</h1><span id="stats" class="stats"></span></header>
<main id="main"><section id="board" class="board" aria-label="Tasks by status"></section><aside id="activity" class="activity"><ol id="feed"></ol></aside></main>
<aside id="panel" class="panel" hidden aria-label="Task"></aside>
<p id="error" class="error" role="alert" hidden></p>
<script type="module">${inline}</script>
</body>
</html>
`;
}

/** An ES module bundle ending in `export{a as App,...}` as a function body returning those names. */
function asFunctionBody(bundle: string): string {
  const match = /export\s*\{([^}]*)\};?\s*$/.exec(bundle);
  if (!match?.[1]) throw new Error('unexpected @modelcontextprotocol/ext-apps bundle: no final export list');
  const entries = match[1].split(',').map((part) => {
    const [local, exported = local] = part.trim().split(/\s+as\s+/);
    return `${JSON.stringify(exported)}: ${local}`;
  });
  return `${bundle.slice(0, match.index)}\nreturn { ${entries.join(', ')} };`;
}

/** The board's own modules without `import` lines and `export` keywords (their names are wired by `build`). */
function withoutModuleSyntax(source: string): string {
  return source
    .split('\n')
    .filter((line) => !/^import\s.*from\s+'[^']+';\s*$/.test(line))
    .map((line) => line.replace(/^export\s+(?=(async\s+)?(const|let|function|class)\b)/, ''))
    .join('\n');
}
