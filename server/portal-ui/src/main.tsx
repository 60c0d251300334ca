import { render } from 'preact';
import { App } from './app.js';
import { applyStoredTheme } from './theme.js';
import './styles.css';

applyStoredTheme();
render(<App />, document.getElementById('app')!);
