/**
 * A small XML well-formedness check (no DTDs): one root element, tags balanced and properly
 * nested, attributes quoted and not repeated, only the five predefined or numeric entities, no
 * stray `<` or `&`. Returns the problems found (empty when well-formed) and the element names.
 */
export function checkXml(text: string): { problems: string[]; elements: string[] } {
  const problems: string[] = [];
  const elements: string[] = [];
  const stack: string[] = [];
  let roots = 0;
  let i = 0;
  const name = /[A-Za-z_:][\w:.-]*/y;
  const where = (at: number) => {
    const before = text.slice(0, at);
    return `line ${before.split('\n').length}`;
  };
  const checkText = (chunk: string, at: number) => {
    for (const m of chunk.matchAll(/&([^;\s]*);?/g)) {
      if (!/^&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);$/.test(m[0])) problems.push(`bad entity ${m[0]} at ${where(at + m.index!)}`);
    }
  };
  if (text.startsWith('<?xml')) i = text.indexOf('?>') + 2;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const chunk = text.slice(i, lt < 0 ? text.length : lt);
    checkText(chunk, i);
    if (stack.length === 0 && chunk.trim() !== '') problems.push(`text outside the root element at ${where(i)}`);
    if (lt < 0) break;
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt);
      if (end < 0) return { problems: [...problems, `unterminated comment at ${where(lt)}`], elements };
      i = end + 3;
      continue;
    }
    if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt);
      if (end < 0) return { problems: [...problems, `unterminated CDATA at ${where(lt)}`], elements };
      i = end + 3;
      continue;
    }
    const closing = text[lt + 1] === '/';
    name.lastIndex = lt + (closing ? 2 : 1);
    const m = name.exec(text);
    if (!m) return { problems: [...problems, `"<" that opens no tag at ${where(lt)}`], elements };
    let j = name.lastIndex;
    if (closing) {
      const gt = text.indexOf('>', j);
      if (text.slice(j, gt).trim() !== '') problems.push(`junk in closing tag at ${where(lt)}`);
      const open = stack.pop();
      if (open !== m[0]) problems.push(`</${m[0]}> closes <${open ?? 'nothing'}> at ${where(lt)}`);
      i = gt + 1;
      continue;
    }
    if (stack.length === 0 && roots++ > 0) problems.push(`second root element <${m[0]}> at ${where(lt)}`);
    elements.push(m[0]);
    const seen = new Set<string>();
    for (;;) {
      while (/\s/.test(text[j] ?? '')) j++;
      if (text.startsWith('/>', j)) {
        i = j + 2;
        break;
      }
      if (text[j] === '>') {
        stack.push(m[0]);
        i = j + 1;
        break;
      }
      name.lastIndex = j;
      const attr = name.exec(text);
      if (!attr) return { problems: [...problems, `bad attribute in <${m[0]}> at ${where(j)}`], elements };
      if (seen.has(attr[0])) problems.push(`attribute ${attr[0]} repeated in <${m[0]}> at ${where(j)}`);
      seen.add(attr[0]);
      j = name.lastIndex;
      while (/\s/.test(text[j] ?? '')) j++;
      const quote = text[j + 1];
      if (text[j] !== '=' || (quote !== '"' && quote !== "'")) return { problems: [...problems, `attribute ${attr[0]} of <${m[0]}> is not quoted at ${where(j)}`], elements };
      const end = text.indexOf(quote, j + 2);
      const value = text.slice(j + 2, end);
      if (value.includes('<')) problems.push(`"<" in attribute ${attr[0]} at ${where(j)}`);
      checkText(value, j + 2);
      j = end + 1;
    }
  }
  if (stack.length > 0) problems.push(`unclosed <${stack.join('>, <')}>`);
  if (roots === 0) problems.push('no root element');
  return { problems, elements };
}
