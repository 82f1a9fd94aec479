/** `url` pointed at one Citus node: the same database and credentials, that node's host and port. */
export function onNode(url: string, node: { nodename: string; nodeport: number }): string {
  const copy = new URL(url);
  copy.hostname = node.nodename;
  copy.port = String(node.nodeport);
  return copy.toString();
}
