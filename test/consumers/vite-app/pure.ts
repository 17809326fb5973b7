// Imports every side-effect-free browser entry and uses nothing: a bundle of this is empty.
import 'cairndb';
import 'cairndb/client';
import 'cairndb/worker';
