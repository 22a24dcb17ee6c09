#!/usr/bin/env python3
"""Writes a small, realistic mbox (plain, HTML with a remote and an inline image, attachments,
non-ASCII, a thread) for demos and screenshots: scripts/demo-mbox.py OUT.mbox [COUNT]."""
import mailbox, sys, email.utils, random
from email.message import EmailMessage

out = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 40
random.seed(7)
people = [("Ada Lovelace", "ada@analytical.example"), ("Grace Hopper", "grace@navy.example"),
          ("Jörg Müller", "joerg@beispiel.example"), ("Linus Ops", "ops@infra.example"),
          ("Marie Curie", "marie@lab.example"), ("Travel Desk", "noreply@trips.example")]
subjects = ["Quarterly planning notes", "Re: Release checklist for 0.4", "Grüße aus Köln",
            "Your trip to Lisbon is confirmed", "Build failed on main", "Lunch on Thursday?",
            "Invoice 2026-114", "Design review: mail reader", "Photos from the offsite",
            "Reminder: security training"]
bodies = ["Hi all,\n\nHere are the notes from today. The sync engine now resumes after a crash,\n"
          "and search answers in a few milliseconds.\n\nBest,\n", "Thanks! Looks good to me.\n",
          "Could you take a look before Friday? The numbers are in the attached sheet.\n"]
box = mailbox.mbox(out)
box.clear()
t0 = 1795000000
for i in range(count):
    name, addr = people[i % len(people)]
    m = EmailMessage()
    m["From"] = email.utils.formataddr((name, addr))
    m["To"] = "you@example.com"
    m["Subject"] = subjects[i % len(subjects)]
    m["Date"] = email.utils.formatdate(t0 - i * 5400, localtime=False)
    m["Message-ID"] = f"<demo-{i}@example.com>"
    text = random.choice(bodies) + name.split()[0]
    m.set_content(text)
    if i % 4 == 0:
        m.add_alternative(
            f"<html><body><h2 style='color:#335'>{m['Subject']}</h2><p>{text}</p>"
            "<p><img src='https://tracker.example/open.gif' width='1' height='1'>"
            "<img src='cid:logo@demo' alt='logo'></p>"
            "<p><a href='https://example.com/agenda'>Open the agenda</a></p></body></html>",
            subtype="html")
        png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000010000000100802000000909168"
                            "360000001a49444154789c63fccf80003030a0021880038c1a300800f0060b01"
                            "a3f8a3e90000000049454e44ae426082")
        m.get_payload()[1].add_related(png, "image", "png", cid="<logo@demo>")
    if i % 5 == 2:
        m.add_attachment(b"quarter,revenue\nQ1,10\nQ2,12\n", maintype="text", subtype="csv",
                         filename="numbers.csv")
    box.add(m)
box.flush()
print(f"wrote {count} messages to {out}")
