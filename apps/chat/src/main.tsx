import { createRoot } from 'react-dom/client';
import { readConfig } from './platform/config.js';
import { App } from './ui/app.js';
import './ui/styles.css';

const config = readConfig(window.location, import.meta.env);
const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root');
createRoot(root).render(<App config={config} />);
