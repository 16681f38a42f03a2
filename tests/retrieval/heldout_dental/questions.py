"""A second held-out retrieval set: a fictional dental clinic ("Clínica Odontológica Sorriso Leve").

Written before any retrieval change of issue 14 and committed on its own, so that nothing in
retrieval could be tuned on it; like ``tests/retrieval/heldout/`` it must never be fitted on: no
thresholds, weights or synonyms may be chosen by looking at its results. It checks that the
figures measured on the tuning set (a bakery) hold in another trade.

It contains:

- ``knowledge/``: eight Markdown documents: hours and location, consultations and cleaning,
  whitening and aesthetics, orthodontics, implants and dentures, urgent care, children's
  dentistry, and dental plans with payment;
- ``IN_SCOPE``: 32 questions typed the way patients write on WhatsApp (abbreviations, missing
  accents, typos, everyday words for the clinical ones), each paired with the file name of the
  one document that answers it;
- ``OUT_OF_SCOPE``: 20 questions the documents cannot answer: other businesses, general
  knowledge, chit-chat, gibberish, and several that share a word with the documents
  ("aparelho", "limpeza", "implante", "clareamento", "convênio", "urgência") without being
  answered by them.

The owner's questions: every section of ``knowledge/`` ends with a ``Perguntas:`` line (the
questions customers send about it, as an owner would write them). They were added later, for
issue 14, by a helper that was given the documents alone (not these questions, not the code),
playing the owner; nothing was changed after measuring. The evaluation also runs this set
without them (``EvaluationSet.as_written``), as the documents were first written.
"""

IN_SCOPE: list[tuple[str, str]] = [
    # horario-e-localizacao.md
    ("vcs abrem sabado?", "horario-e-localizacao.md"),
    ("qual o endereço da clinica?", "horario-e-localizacao.md"),
    ("tem onde estacionar?", "horario-e-localizacao.md"),
    ("sou cadeirante, consigo ir ai?", "horario-e-localizacao.md"),
    # consultas-e-limpeza.md
    ("quanto ta uma limpeza?", "consultas-e-limpeza.md"),
    ("qnto custa a avaliação?", "consultas-e-limpeza.md"),
    ("preciso desmarcar minha consulta de amanha", "consultas-e-limpeza.md"),
    ("qnto fica um canal no dente do fundo?", "consultas-e-limpeza.md"),
    # clareamento-e-estetica.md
    ("quero deixar meus dentes mais brancos, qnto custa?", "clareamento-e-estetica.md"),
    ("clareamento caseiro funciona?", "clareamento-e-estetica.md"),
    ("vcs fazem lente nos dentes?", "clareamento-e-estetica.md"),
    ("meu sorriso mostra mt gengiva, tem jeito?", "clareamento-e-estetica.md"),
    # ortodontia.md
    ("qnto é pra colocar aparelho?", "ortodontia.md"),
    ("vcs trabalham com invisalign?", "ortodontia.md"),
    ("soltou uma borrachinha/bracket do meu aparelho", "ortodontia.md"),
    ("tenho 45 anos, ainda da pra usar aparelho?", "ortodontia.md"),
    # implantes-e-proteses.md
    ("perdi um dente, qnto sai um implante?", "implantes-e-proteses.md"),
    ("vcs fazem dentadura?", "implantes-e-proteses.md"),
    ("o dentista disse q falta osso pro implante, oq faz?", "implantes-e-proteses.md"),
    ("depois de colocar implante posso ir pra academia?", "implantes-e-proteses.md"),
    # urgencias.md
    ("to com muita dor de dente, vcs atendem hj?", "urgencias.md"),
    ("meu rosto ta inchado por causa do dente", "urgencias.md"),
    ("domingo a noite doendo o dente onde eu vou?", "urgencias.md"),
    ("meu filho caiu e o dente saiu inteiro oq eu faço", "urgencias.md"),
    # odontopediatria.md
    ("com q idade levo o bebe no dentista?", "odontopediatria.md"),
    ("vcs atendem criança?", "odontopediatria.md"),
    ("minha filha morre de medo de dentista", "odontopediatria.md"),
    ("quanto custa o selante?", "odontopediatria.md"),
    # convenios-e-pagamento.md
    ("aceitam amil dental?", "convenios-e-pagamento.md"),
    ("o plano cobre clareamento?", "convenios-e-pagamento.md"),
    ("da pra parcelar o tratamento?", "convenios-e-pagamento.md"),
    ("vcs dao recibo pra eu declarar no IR?", "convenios-e-pagamento.md"),
]

OUT_OF_SCOPE: list[str] = [
    # share a word with the documents, but are not answered by them
    "vcs consertam aparelho de celular?",
    "tem limpeza de pele?",
    "quanto custa implante capilar?",
    "fazem clareamento de axila?",
    "aceita convênio pra exame de sangue?",
    "qual o telefone da urgência do hospital municipal?",
    "o estacionamento do shopping é pago?",
    # other businesses' products and services
    "vcs vendem óculos de grau?",
    "quanto ta a diária do hotel?",
    "fazem entrega de marmita?",
    "tem vacina de gripe?",
    # general knowledge
    "qual a capital da Argentina?",
    "quem descobriu o brasil?",
    "quanto é 15% de 200?",
    # chit-chat
    "bom dia, tudo certo?",
    "vc é uma pessoa ou um robô?",
    "me manda um meme",
    # gibberish
    "hjkl asdf",
    "ççç ppp",
    "...",
]
