// graph.js: dagre (the dependency view's layout), a bundle of its own (ui/dist/graph.js)
// that the page loads when the view is first shown: the other pages do without it.
export { default } from '@dagrejs/dagre';
