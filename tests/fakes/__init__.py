"""In-process fakes of the outside services Conversa talks to, as real HTTP servers on 127.0.0.1."""
