"""Build rasa_sdk trackers for action tests, and play the Rasa server's /model/parse on loopback."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

from rasa_sdk import Tracker


def make_tracker(text="", intent="inform", entities=None, slots=None, events=None, sender="tg:42", confidence=None,
                 ranking=None):
    parsed_intent = {"name": intent} if confidence is None else {"name": intent, "confidence": confidence}
    return Tracker(
        sender_id=sender,
        slots=dict(slots or {}),
        latest_message={"text": text, "intent": parsed_intent, "entities": entities or [], "intent_ranking": ranking or []},
        events=events or [],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def entity(name, value):
    return {"entity": name, "value": value}


TOKEN = "test-token"


class FakeParseApi:
    """POST /model/parse?token=…: the intent set for each text, with or without the « ? » that the action server
    adds to each question of a message (nlu_fallback for any other)."""

    def __init__(self, readings: dict[str, tuple[str, float]]):
        self.readings = readings
        self.asked: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                url = urlparse(self.path)
                if url.path != "/model/parse" or parse_qs(url.query).get("token") != [TOKEN]:
                    self.send_response(401)
                    self.end_headers()
                    return
                text = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["text"]
                outer.asked.append(text)
                name, confidence = outer.readings.get(text) or outer.readings.get(text.removesuffix(" ?")) \
                    or ("nlu_fallback", 0.25)
                body = json.dumps({"text": text, "intent": {"name": name, "confidence": confidence},
                                   "entities": []}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
