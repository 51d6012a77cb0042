// Entry module of the call page: wires the view, the signalling connection
// and the call together.

import { bindCallView } from './call-view.js';
import { runCall } from './call-session.js';
import { bindFileView } from './file-view.js';
import { goHome, prepareHome } from './navigation.js';
import { roomIdFromPath } from './rooms.js';
import { connectSignalling } from './signalling.js';

const roomId = roomIdFromPath(location.pathname);
if (roomId) {
  prepareHome();
  runCall({ roomId, signalling: connectSignalling(), view: bindCallView(document), fileView: bindFileView(document) });
} else {
  goHome({ kind: 'missing-room', text: 'That link does not name a room.' });
}
