#!/usr/bin/env python3
"""A stand-in for the system browser in end-to-end runs: given Google's (emulated) sign-in URL,
it picks the account named by $PERSON_EMAIL in the account chooser and follows the redirect
back to the app, as a person would. Used as $BROWSER by scripts/e2e-accounts-desktop.sh."""
import html.parser, os, sys, urllib.parse, urllib.request

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None

class Forms(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "fields": []})
        elif tag == "input" and self.forms and "name" in a:
            self.forms[-1]["fields"].append((a["name"], a.get("value", "")))

url = sys.argv[1]
email = os.environ.get("PERSON_EMAIL", "ada@example.com")
page = urllib.request.urlopen(url).read().decode()
p = Forms(); p.feed(page)
form = next(f for f in p.forms if ("email", email) in f["fields"])
base = "{0.scheme}://{0.netloc}".format(urllib.parse.urlparse(url))
opener = urllib.request.build_opener(NoRedirect)
try:
    opener.open(base + form["action"], urllib.parse.urlencode(form["fields"]).encode())
    sys.exit("expected a redirect")
except urllib.error.HTTPError as e:
    location = e.headers["Location"]
print(urllib.request.urlopen(location).read().decode()[:200])
