// A custom worker: register a backend, then serve. No top-level await, so Vite's default
// worker format (iife) builds it; `cairndb/worker` has no side effects of its own, the
// `serve()` call below is this script's.
import { serve } from 'cairndb/worker';
import { mapBackend } from './map-backend.ts';

serve({ backends: { map: mapBackend() } });
