import { render } from 'preact';

function App() {
  return <h1>Sluice</h1>;
}

render(<App />, document.getElementById('app'));
