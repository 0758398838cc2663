"""Voicemail that somebody answers: the mailboxes' rule and the messages' states
(``boxes``), who sees and works which message (``access``), the config
(``config``), and the outbox from the call journal with the age check
(``outbox``). docs/voicemail.md."""
