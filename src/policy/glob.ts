const cache = new Map<string, RegExp>();

/**
 * Glob to RegExp: `*` matches within one segment, `**` across segments, `?` one character.
 * Segments are split by `/` for paths; names and DNS labels have none, so `*` spans them whole.
 */
function globToRegExp(glob: string): RegExp {
  let re = cache.get(glob);
  if (!re) {
    let src = '';
    for (let i = 0; i < glob.length; i++) {
      const c = glob[i]!;
      if (c === '*') {
        if (glob[i + 1] === '*') {
          i++;
          // `**/` is any number of whole folders, none included; a bare `**` is anything.
          if (glob[i + 1] === '/') {
            src += '(?:.*/)?';
            i++;
          } else src += '.*';
        } else src += '[^/]*';
      } else if (c === '?') src += '[^/]';
      else src += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
    re = new RegExp(`^${src}$`, 'i');
    cache.set(glob, re);
  }
  return re;
}

export function matchesGlob(value: string, globs: readonly string[]): boolean {
  return globs.some((g) => globToRegExp(g).test(value));
}
