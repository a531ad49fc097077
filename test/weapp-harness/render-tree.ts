/**
 * The tree WeChat's template compiler (wcc) produces for a page: what the user would see, as
 * data. Helpers here read text and find elements in it.
 */
export interface RenderedNode {
  tag: string
  attr: Record<string, unknown>
  children: Array<RenderedNode | string>
}

export function isNode(value: unknown): value is RenderedNode {
  return (
    typeof value === 'object' && value !== null && typeof (value as RenderedNode).tag === 'string'
  )
}

/** Visible text: strings joined inside an element, one line per block element. */
export function textOf(node: RenderedNode | string): string {
  if (typeof node === 'string') return node
  const inner = (node.children ?? []).map(textOf).join('')
  return node.tag === 'wx-text' ? inner : `${inner}\n`
}

/** The text collapsed to single spaces, for readable assertions and error messages. */
export function visibleText(node: RenderedNode): string {
  return textOf(node)
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ')
}

export function findAll(
  root: RenderedNode,
  predicate: (node: RenderedNode) => boolean,
): RenderedNode[] {
  const found: RenderedNode[] = []
  const visit = (node: RenderedNode) => {
    if (predicate(node)) found.push(node)
    for (const child of node.children ?? []) if (isNode(child)) visit(child)
  }
  visit(root)
  return found
}

export function findById(root: RenderedNode, id: string): RenderedNode | undefined {
  return findAll(root, (node) => node.attr?.id === id)[0]
}

/** The innermost element whose text contains `text`. */
export function findByText(root: RenderedNode, text: string): RenderedNode | undefined {
  const matches = findAll(root, (node) => textOf(node).includes(text))
  return matches[matches.length - 1]
}

export function hasClass(node: RenderedNode, className: string): boolean {
  return String(node.attr?.class ?? '')
    .split(/\s+/)
    .includes(className)
}

/** The path from `root` to `target`, both included; empty when `target` is not in the tree. */
export function pathTo(root: RenderedNode, target: RenderedNode): RenderedNode[] {
  if (root === target) return [root]
  for (const child of root.children ?? []) {
    if (!isNode(child)) continue
    const path = pathTo(child, target)
    if (path.length) return [root, ...path]
  }
  return []
}

/** `data-*` attributes as WeChat puts them on `event.currentTarget.dataset`. */
export function datasetOf(node: RenderedNode): Record<string, unknown> {
  const dataset: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(node.attr ?? {})) {
    if (name.startsWith('data-')) {
      dataset[name.slice(5).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = value
    }
  }
  return dataset
}
